namespace Crm.Assignment.Routing;

/// <summary>What round robin needs to know about a rep. Ids are sortable by creation (UUID v7).</summary>
public sealed record RepSlot(string Id, bool Active, int Capacity, int OpenLeads)
{
    /// <summary>Active and below capacity.</summary>
    public bool HasRoom => Active && OpenLeads < Capacity;
}

/// <summary>One lead given to one rep.</summary>
public sealed record Allocation(string LeadId, string RepId);

/// <summary>The allocations of a pass, in order, and the round-robin cursor after them.</summary>
public sealed record RoutingPlan(IReadOnlyList<Allocation> Allocations, string? Cursor);

/// <summary>
/// Round robin over one pool: reps in creation order (their ids), the next rep with room after the rep that got
/// the previous lead (the cursor), wrapping around. Pure: no I/O, no clock.
/// </summary>
public static class RoundRobin
{
    /// <summary>
    /// The id of the next active rep with <c>OpenLeads &lt; Capacity</c> after <paramref name="cursor"/>, wrapping
    /// around; null when nobody has room. The cursor need not be one of <paramref name="reps"/> (a rep deleted
    /// since): the search starts at the first rep created after it.
    /// </summary>
    public static string? ChooseNext(IReadOnlyList<RepSlot> reps, string? cursor)
    {
        var ordered = Order(reps);
        var index = ChooseIndex(ordered, cursor);
        return index < 0 ? null : ordered[index].Id;
    }

    /// <summary>
    /// Gives <paramref name="leadIds"/> (in the order they are to be served) to reps one by one until nobody has
    /// room; each allocation takes one unit of capacity and moves the cursor.
    /// </summary>
    public static RoutingPlan Plan(IReadOnlyList<RepSlot> reps, string? cursor, IReadOnlyList<string> leadIds)
    {
        var ordered = Order(reps);
        var allocations = new List<Allocation>();
        foreach (var leadId in leadIds)
        {
            var index = ChooseIndex(ordered, cursor);
            if (index < 0)
            {
                break;
            }

            var rep = ordered[index];
            allocations.Add(new Allocation(leadId, rep.Id));
            ordered[index] = rep with { OpenLeads = rep.OpenLeads + 1 };
            cursor = rep.Id;
        }

        return new RoutingPlan(allocations, cursor);
    }

    /// <summary>How many more leads the pool can take now.</summary>
    public static int FreeCapacity(IEnumerable<RepSlot> reps) =>
        reps.Where(r => r.HasRoom).Sum(r => r.Capacity - r.OpenLeads);

    private static List<RepSlot> Order(IReadOnlyList<RepSlot> reps) =>
        reps.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();

    private static int ChooseIndex(List<RepSlot> ordered, string? cursor)
    {
        if (ordered.Count == 0)
        {
            return -1;
        }

        var start = 0;
        if (cursor is not null)
        {
            start = ordered.FindIndex(r => string.CompareOrdinal(r.Id, cursor) > 0);
            if (start < 0)
            {
                start = 0;
            }
        }

        for (var i = 0; i < ordered.Count; i++)
        {
            var index = (start + i) % ordered.Count;
            if (ordered[index].HasRoom)
            {
                return index;
            }
        }

        return -1;
    }
}
