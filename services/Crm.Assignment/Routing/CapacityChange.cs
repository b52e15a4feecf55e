namespace Crm.Assignment.Routing;

/// <summary>When a change to a rep may let waiting leads through (so the backlog is drained).</summary>
public static class CapacityChange
{
    /// <summary>
    /// True when the rep is active afterwards and either was not before (created or activated) or got more capacity.
    /// Pass <c>wasActive = false</c> for a new rep.
    /// </summary>
    public static bool MayFreeCapacity(bool wasActive, int capacityBefore, bool isActive, int capacityAfter) =>
        isActive && (!wasActive || capacityAfter > capacityBefore);
}
