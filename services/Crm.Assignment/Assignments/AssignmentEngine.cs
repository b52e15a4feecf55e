using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>
/// Choose-and-take, written once for both stores: a routing pass reads the reps and the round-robin state, plans
/// with the pure <see cref="RoundRobin"/>, and collects into a unit of work, per allocation, a guarded take of the
/// rep's capacity (<see cref="AssignmentQueries.TakeCapacity"/>), the lead's move to <c>assigned</c> (guarded by its
/// version) and its <c>LeadAssigned</c> event; then the round-robin state, guarded by its version. Any concurrent
/// pass makes the commit fail (nothing is written) and the unit runs again on fresh data, so a rep never gets more
/// than its capacity, a lead is assigned once, and a lead never waits while a rep has room.
/// </summary>
public sealed class AssignmentEngine
{
    /// <summary>At most this many leads are assigned in one unit of work: a drain of a big backlog commits in bounded steps (review finding M8).</summary>
    public const int MaxAllocationsPerUnit = 100;

    /// <summary>
    /// A scored lead (in the consumer's unit): recorded (a known lead only takes a newer score; it is never
    /// assigned twice) and, while it waits, given to the next rep with room.
    /// </summary>
    public Task RecordScoredAsync(UnitOfWork unit, ScoredLead scored, CancellationToken cancellationToken) =>
        RecordScoredAsync(unit, [scored], cancellationToken);

    /// <summary>Scored leads (a burst of rescores, at most one per lead) recorded in one unit, as <see cref="RecordScoredAsync(UnitOfWork, ScoredLead, CancellationToken)"/> does for one.</summary>
    public async Task RecordScoredAsync(UnitOfWork unit, IReadOnlyList<ScoredLead> scores, CancellationToken cancellationToken)
    {
        var stored = (await unit.GetManyAsync(AssignmentCollections.Leads, scores.Select(s => s.LeadId).Distinct(StringComparer.Ordinal), cancellationToken))
            .ToDictionary(l => l.Id, StringComparer.Ordinal);
        var recorded = new List<(LeadAssignment? Stored, LeadAssignment Lead)>(scores.Count);
        foreach (var scored in scores)
        {
            var known = stored.GetValueOrDefault(scored.LeadId);
            recorded.Add((known, known switch
            {
                null => new LeadAssignment
                {
                    Id = scored.LeadId,
                    ContactId = scored.ContactId,
                    Grade = scored.Grade,
                    Score = scored.Score,
                    ScoredAt = scored.ScoredAt,
                    QueuedAt = unit.Now,
                    Status = LeadStatus.Backlog,
                },
                _ when scored.ScoredAt >= known.ScoredAt => known with { Grade = scored.Grade, Score = scored.Score, ScoredAt = scored.ScoredAt },
                _ => known,
            }));
        }

        var waiting = recorded.Where(r => r.Lead.Status == LeadStatus.Backlog).Select(r => r.Lead).ToList();
        if (waiting.Count > MaxAllocationsPerUnit)
        {
            // A bounded unit (review finding M8): the rest wait in the backlog, drained at once by the timer.
            waiting = waiting[..MaxAllocationsPerUnit];
            BacklogDrainTimer.ScheduleNow(unit);
        }

        if (waiting.Count > 0)
        {
            var pass = await RoutingPass.ReadAsync(unit, cancellationToken);
            var assigned = pass.Assign(unit, waiting).ToDictionary(l => l.Id, StringComparer.Ordinal);
            recorded = [.. recorded.Select(r => (r.Stored, assigned.GetValueOrDefault(r.Lead.Id, r.Lead)))];
        }

        foreach (var (known, lead) in recorded)
        {
            if (known is null)
            {
                unit.Insert(AssignmentCollections.Leads, lead with { Version = 1 });
            }
            else if (lead != known)
            {
                unit.Replace(AssignmentCollections.Leads, lead with { Version = known.Version + 1 }, known.Version);
            }
        }
    }

    /// <summary>
    /// Collects one bounded drain of the backlog into <paramref name="unit"/>: the waiting leads in serving order, as
    /// many as there is room for (at most <see cref="MaxAllocationsPerUnit"/>). Returns how many were assigned.
    /// </summary>
    public async Task<int> CollectDrainAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var pass = await RoutingPass.ReadAsync(unit, cancellationToken);
        var room = Math.Min(pass.FreeCapacity, MaxAllocationsPerUnit);
        var waiting = room == 0 ? [] : await unit.FindAsync(AssignmentQueries.Backlog().Take(room), cancellationToken);
        var assigned = pass.Assign(unit, waiting);
        var before = waiting.ToDictionary(l => l.Id, StringComparer.Ordinal);
        foreach (var lead in assigned)
        {
            var version = before[lead.Id].Version;
            unit.Replace(AssignmentCollections.Leads, lead with { Version = version + 1 }, version);
        }

        return assigned.Count;
    }

    /// <summary>
    /// Collects one bounded step of routing a deactivated rep's open leads again: at most
    /// <see cref="MaxAllocationsPerUnit"/> of them back to the backlog (re-queued now, remembering the rep, so that their
    /// next <c>LeadAssigned</c> says it is a reassignment) and the rep's capacity given back. Nothing when the rep is
    /// active again (their leads stay). Returns how many leads were moved; the drain then assigns them.
    /// </summary>
    public async Task<int> CollectRerouteAsync(UnitOfWork unit, string repId, CancellationToken cancellationToken)
    {
        var rep = await unit.GetAsync(AssignmentCollections.Reps, repId, cancellationToken);
        if (rep is not { Active: false })
        {
            return 0;
        }

        var leads = await unit.FindAsync(AssignmentQueries.AssignedTo(repId).Take(MaxAllocationsPerUnit), cancellationToken);
        foreach (var lead in leads)
        {
            unit.Replace(
                AssignmentCollections.Leads,
                lead with { Status = LeadStatus.Backlog, RepId = null, AssignedAt = null, PreviousRepId = repId, QueuedAt = unit.Now, Version = lead.Version + 1 },
                lead.Version);
        }

        if (leads.Count > 0)
        {
            unit.Add(AssignmentQueries.MoveOpenLeads(repId, -leads.Count));
        }

        return leads.Count;
    }

    /// <summary>Routes every open lead of the deactivated rep again (bounded units, each run again on a concurrent change), then drains the backlog.</summary>
    public async Task<int> RerouteAsync(UnitOfWork unit, string repId, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var moved = await unit.RunAsync(() => CollectRerouteAsync(unit, repId, cancellationToken), cancellationToken: cancellationToken);
            total += moved;
            if (moved < MaxAllocationsPerUnit)
            {
                await DrainAsync(unit, cancellationToken);
                return total;
            }
        }
    }

    /// <summary>
    /// Drains the backlog into the capacity there is now, one committed unit of at most
    /// <see cref="MaxAllocationsPerUnit"/> leads after another (each run again on a concurrent change).
    /// </summary>
    public async Task<int> DrainAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var assigned = await unit.RunAsync(() => CollectDrainAsync(unit, cancellationToken), cancellationToken: cancellationToken);
            total += assigned;
            if (assigned < MaxAllocationsPerUnit)
            {
                return total;
            }
        }
    }

    /// <summary>What one routing pass read, and the writes it collects.</summary>
    private sealed class RoutingPass
    {
        private readonly Dictionary<string, Rep> _reps;
        private readonly RoutingState? _state;

        private RoutingPass(IReadOnlyList<Rep> reps, RoutingState? state)
        {
            _reps = reps.ToDictionary(r => r.Id, StringComparer.Ordinal);
            _state = state;
        }

        public int FreeCapacity => RoundRobin.FreeCapacity(_reps.Values.Select(r => r.Slot));

        public static async Task<RoutingPass> ReadAsync(UnitOfWork unit, CancellationToken cancellationToken) => new(
            await unit.FindAsync(AssignmentQueries.RepsInCreationOrder(), cancellationToken),
            await unit.GetAsync(AssignmentCollections.Routing, RoutingState.RoundRobinId, cancellationToken));

        /// <summary>
        /// Gives <paramref name="waiting"/> (in serving order) to reps by round robin until nobody has room; collects
        /// the capacity takes, the events and the state (written even when nothing was assigned: see
        /// <see cref="RoutingState"/>). Returns the leads that were assigned, as they must be stored (version not moved).
        /// </summary>
        public List<LeadAssignment> Assign(UnitOfWork unit, IReadOnlyList<LeadAssignment> waiting)
        {
            var plan = RoundRobin.Plan([.. _reps.Values.Select(r => r.Slot)], _state?.Cursor, [.. waiting.Select(l => l.Id)]);
            var open = _reps.Values.ToDictionary(r => r.Id, r => r.OpenLeads, StringComparer.Ordinal);
            var leads = waiting.ToDictionary(l => l.Id, StringComparer.Ordinal);
            var assigned = new List<LeadAssignment>(plan.Allocations.Count);
            foreach (var allocation in plan.Allocations)
            {
                var rep = _reps[allocation.RepId];
                unit.Add(AssignmentQueries.TakeCapacity(rep.Id, open[rep.Id], rep.Capacity));
                open[rep.Id]++;
                var lead = leads[allocation.LeadId];
                unit.Publish(lead.AssignedEvent(rep, unit.Now));
                assigned.Add(lead with { Status = LeadStatus.Assigned, RepId = rep.Id, AssignedAt = unit.Now });
            }

            if (_state is null)
            {
                unit.Insert(AssignmentCollections.Routing, new RoutingState { Cursor = plan.Cursor, Version = 1 });
            }
            else
            {
                unit.Replace(AssignmentCollections.Routing, _state with { Cursor = plan.Cursor, Version = _state.Version + 1 }, _state.Version);
            }

            return assigned;
        }
    }
}
