namespace Crm.Assignment.Routing;

/// <summary>When a change to a rep may let waiting leads through (so the backlog is drained).</summary>
public static class CapacityChange
{
    /// <summary>
    /// True when the rep takes leads afterwards (active and available) and either did not before (created, activated,
    /// back online) or got more capacity. Pass <c>tookLeads = false</c> for a new rep.
    /// </summary>
    public static bool MayFreeCapacity(bool tookLeads, int capacityBefore, bool takesLeads, int capacityAfter) =>
        takesLeads && (!tookLeads || capacityAfter > capacityBefore);
}
