using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Rules;
using Crm.Assignment.Sla;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>
/// Choose-and-take, written once for both stores: a routing pass reads the reps, the rules and the routing state,
/// decides each lead with the pure <see cref="Router"/>, and collects into a unit of work, per assignment, a guarded
/// take of the rep's capacity (<see cref="AssignmentQueries.TakeCapacity"/>), the lead's move to <c>assigned</c> with
/// its explanation (guarded by its version) and its <c>LeadAssigned</c> event; then the routing state, guarded by its version. Any concurrent
/// pass makes the commit fail (nothing is written) and the unit runs again on fresh data, so a rep never gets more
/// than its capacity, a lead is assigned once, and a lead never waits while a rep has room.
/// </summary>
public sealed class AssignmentEngine
{
    /// <summary>At most this many leads are assigned in one unit of work: a drain of a big backlog commits in bounded steps (review finding M8).</summary>
    public const int MaxAllocationsPerUnit = 100;

    /// <summary>
    /// A drain routes at most this many waiting leads (in serving order) per unit: leads behind that many that nobody
    /// can take yet wait for the head to move.
    /// </summary>
    public const int MaxBacklogScan = 500;

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
                    Source = scored.Source,
                    Channel = scored.Channel,
                    Campaign = scored.Campaign,
                    Interest = scored.Interest,
                    Region = scored.Region,
                    Language = scored.Language,
                },
                _ when scored.ScoredAt >= known.ScoredAt => known with
                {
                    Grade = scored.Grade,
                    Score = scored.Score,
                    ScoredAt = scored.ScoredAt,
                    Source = scored.Source ?? known.Source,
                    Channel = scored.Channel ?? known.Channel,
                    Campaign = scored.Campaign ?? known.Campaign,
                    Interest = scored.Interest ?? known.Interest,
                    Region = scored.Region ?? known.Region,
                    Language = scored.Language ?? known.Language,
                },
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
            var decided = (await pass.RouteAsync(unit, waiting, MaxAllocationsPerUnit, cancellationToken)).ToDictionary(l => l.Id, StringComparer.Ordinal);
            recorded = [.. recorded.Select(r => (r.Stored, decided.GetValueOrDefault(r.Lead.Id, r.Lead)))];
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
    /// Collects one bounded drain of the backlog into <paramref name="unit"/>: the first <see cref="MaxBacklogScan"/> waiting
    /// leads in serving order routed in turn, at most <see cref="MaxAllocationsPerUnit"/> of them assigned. Returns how
    /// many were assigned. A lead still waiting keeps its explanation from when it was recorded.
    /// </summary>
    public async Task<int> CollectDrainAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var pass = await RoutingPass.ReadAsync(unit, cancellationToken);
        var waiting = pass.AnyRoom ? await unit.FindAsync(AssignmentQueries.Backlog().Take(MaxBacklogScan), cancellationToken) : [];
        var decided = await pass.RouteAsync(unit, waiting, MaxAllocationsPerUnit, cancellationToken);
        var before = waiting.ToDictionary(l => l.Id, StringComparer.Ordinal);
        var assigned = 0;
        foreach (var lead in decided.Where(l => l.Status == LeadStatus.Assigned))
        {
            var version = before[lead.Id].Version;
            unit.Replace(AssignmentCollections.Leads, lead with { Version = version + 1 }, version);
            assigned++;
        }

        return assigned;
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
            var back = SlaClocks.Stop(unit, lead).WithHistory(new LeadHistoryEntry(unit.Now, "back-to-backlog", repId, "the rep was deactivated"));
            unit.Replace(
                AssignmentCollections.Leads,
                back with { Status = LeadStatus.Backlog, RepId = null, AssignedAt = null, PreviousRepId = repId, QueuedAt = unit.Now, Version = lead.Version + 1 },
                lead.Version);
        }

        if (leads.Count > 0)
        {
            unit.Add(AssignmentQueries.MoveOpenLeads(repId, -leads.Sum(l => l.Units)));
        }

        return leads.Count;
    }

    /// <summary>
    /// Collects the SLA reassignment of <paramref name="lead"/> (assigned): routed again by the rules with its owner
    /// excluded; when someone else is eligible, the owner's units are given back, the new rep's taken, and the lead gets
    /// a first-contact or follow-up clock for them. Returns the lead as it must be stored (version not moved), or null when
    /// nobody else could take it (the lead stays).
    /// </summary>
    public async Task<LeadAssignment?> CollectReassignAsync(UnitOfWork unit, LeadAssignment lead, CancellationToken cancellationToken)
    {
        var pass = await RoutingPass.ReadAsync(unit, cancellationToken);
        var decision = await pass.DecideAsync(unit, lead, lead.RepId, cancellationToken);
        if (decision.RepId is null)
        {
            return null;
        }

        unit.Add(AssignmentQueries.MoveOpenLeads(lead.RepId!, -lead.Units));
        var moved = pass.Assign(unit, lead with { PreviousRepId = lead.RepId, SlaReassigned = true }, decision);
        pass.WriteState(unit);
        return moved;
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

    /// <summary>What one routing pass read (reps, rules, the routing state), and the writes it collects.</summary>
    private sealed class RoutingPass
    {
        private readonly Dictionary<string, Rep> _reps;
        private readonly RoutingState? _state;
        private readonly RoutingRules _rules;
        private readonly SlaPolicies _policies;
        private readonly Router _router;

        private RoutingPass(IReadOnlyList<Rep> reps, RoutingState? state, RoutingRules? rules, SlaPolicies? policies)
        {
            _policies = policies ?? SlaPolicies.Default;
            _reps = reps.ToDictionary(r => r.Id, StringComparer.Ordinal);
            _state = state;
            _rules = rules ?? RoutingRules.Default;
            _router = new Router(_rules.Rules, _rules.Units, reps.Select(r => r.ToRouting()), state?.Rules);
        }

        /// <summary>Whether any rep has room for a lead now (else nothing can be assigned).</summary>
        public bool AnyRoom => _router.AnyRoom();

        /// <summary>
        /// Reads the routing state <b>before</b> the reps: a rep added after the state was read commits a drain that moves
        /// the state, so this pass's commit (guarded by the version read here) fails and runs again with that rep. Read
        /// the other way round, a rep added between the two reads would be missed and a lead that "finds nobody free" would
        /// commit over the fresh state and wait for the safety drain timer (review finding M5).
        /// </summary>
        public static async Task<RoutingPass> ReadAsync(UnitOfWork unit, CancellationToken cancellationToken)
        {
            var state = await unit.GetAsync(AssignmentCollections.Routing, RoutingState.RoundRobinId, cancellationToken);
            return new(
                await unit.FindAsync(AssignmentQueries.RepsInCreationOrder(), cancellationToken),
                state,
                await unit.GetAsync(AssignmentCollections.Rules, RoutingRules.DocumentId, cancellationToken),
                await unit.GetAsync(AssignmentCollections.SlaPolicies, SlaPolicies.DocumentId, cancellationToken));
        }

        /// <summary>
        /// Routes <paramref name="waiting"/> (in serving order) one by one until <paramref name="max"/> are assigned or
        /// nobody has room; collects each assignment's capacity take and event, the state (written even when nothing was
        /// assigned: see <see cref="RoutingState"/>), and a wake-up drain for when time alone may let a waiting lead
        /// through. Returns the leads decided, as they must be stored (version not moved): assigned ones, and waiting ones
        /// with their explanation.
        /// </summary>
        public async Task<List<LeadAssignment>> RouteAsync(UnitOfWork unit, IReadOnlyList<LeadAssignment> waiting, int max, CancellationToken cancellationToken)
        {
            var histories = await HistoriesAsync(unit, waiting, cancellationToken);
            var decided = new List<LeadAssignment>(waiting.Count);
            DateTimeOffset? wakeAt = null;
            var assigned = 0;
            foreach (var lead in waiting)
            {
                if (assigned == max)
                {
                    break;
                }

                var decision = _router.Route(lead.ToRouting(histories.GetValueOrDefault(lead.ContactId, ContactHistory.None)), unit.Now);
                if (decision.RepId is not { } repId)
                {
                    wakeAt = decision.RetryAt is { } retry && (wakeAt is null || retry < wakeAt) ? retry : wakeAt;
                    decided.Add(lead with { Explanation = decision.Explanation, DecidedAt = unit.Now });
                    continue;
                }

                decided.Add(Assign(unit, lead, decision));
                assigned++;
            }

            WriteState(unit);
            if (wakeAt is { } at)
            {
                BacklogDrainTimer.ScheduleAt(unit, at);
            }

            return decided;
        }

        /// <summary>
        /// Gives <paramref name="lead"/> (in the backlog, or assigned and to be taken from its owner) to the rep
        /// <paramref name="decision"/> chose: the guarded capacity take, the event, the history entry, a notification for a
        /// hot lead, and the SLA clock it now owes. Returns the lead as it must be stored (version not moved).
        /// </summary>
        public LeadAssignment Assign(UnitOfWork unit, LeadAssignment lead, RouteDecision decision)
        {
            var rep = _reps[decision.RepId!];
            unit.Add(AssignmentQueries.TakeCapacity(rep.Id, rep.Version, _router.LoadOf(rep.Id) - decision.Units, decision.Units));
            unit.Publish(lead.AssignedEvent(rep, unit.Now, decision.Explanation));
            if (lead.Grade == Contracts.Api.Grade.Hot)
            {
                Notifications.Notification.Add(unit, rep.Id, "hot-lead", lead.Id, $"New hot lead (score {lead.Score}): contact it now.");
            }

            var assigned = lead with
            {
                Status = LeadStatus.Assigned,
                RepId = rep.Id,
                AssignedAt = unit.Now,
                Units = decision.Units,
                RuleId = decision.Explanation.RuleId,
                Explanation = decision.Explanation,
                DecidedAt = unit.Now,
            };
            assigned = assigned.WithHistory(new LeadHistoryEntry(unit.Now, "assigned", rep.Id, $"rule {decision.Explanation.RuleId}, {RoutingRules.StrategyName(decision.Explanation.Strategy)}"));
            return SlaClocks.Start(unit, assigned, rep, _policies, unit.Now);
        }

        /// <summary>The routing state after this pass's decisions, guarded by the version read.</summary>
        public void WriteState(UnitOfWork unit)
        {
            var state = new RoutingState { Rules = _router.States(), Version = (_state?.Version ?? 0) + 1 };
            if (_state is null)
            {
                unit.Insert(AssignmentCollections.Routing, state);
            }
            else
            {
                unit.Replace(AssignmentCollections.Routing, state, _state.Version);
            }
        }

        /// <summary>Decides <paramref name="lead"/> now (its contact's history read when a rule needs it).</summary>
        public async Task<RouteDecision> DecideAsync(UnitOfWork unit, LeadAssignment lead, string? excludedRepId, CancellationToken cancellationToken)
        {
            var histories = await HistoriesAsync(unit, [lead], cancellationToken);
            return _router.Route(lead.ToRouting(histories.GetValueOrDefault(lead.ContactId, ContactHistory.None)) with { ExcludedRepId = excludedRepId }, unit.Now);
        }

        /// <summary>The waiting leads' contacts' earlier leads, read only when a rule needs them (sticky, returning customers).</summary>
        private async Task<Dictionary<string, ContactHistory>> HistoriesAsync(UnitOfWork unit, IReadOnlyList<LeadAssignment> waiting, CancellationToken cancellationToken)
        {
            if (!_rules.NeedsContactHistory || waiting.Count == 0)
            {
                return new Dictionary<string, ContactHistory>(StringComparer.Ordinal);
            }

            var contacts = waiting.Select(l => l.ContactId).Distinct(StringComparer.Ordinal).ToList();
            var earlier = await unit.FindAsync(AssignmentQueries.OfContacts(contacts), cancellationToken);
            var waitingIds = waiting.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            return earlier.Where(l => !waitingIds.Contains(l.Id))
                .GroupBy(l => l.ContactId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => ContactHistory.Of(g), StringComparer.Ordinal);
        }
    }
}
