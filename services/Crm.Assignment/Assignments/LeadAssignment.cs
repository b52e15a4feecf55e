using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Sla;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using System.Text.Json.Serialization;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

public enum LeadStatus
{
    /// <summary>Waiting until a rep has room.</summary>
    Backlog,
    /// <summary>Given to a rep (once; reassignment comes later).</summary>
    Assigned,
    /// <summary>Won or lost: it no longer takes its rep's capacity (<see cref="LeadAssignment.ClosedAs"/> says which).</summary>
    Closed,
}

/// <summary>A scored lead as Assignment knows it (a document of <c>lead_assignments</c>; its id is the lead's id).</summary>
public sealed record LeadAssignment : IDocument
{
    /// <summary>The lead's id.</summary>
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public required Grade Grade { get; init; }
    public required int Score { get; init; }
    /// <summary>OccurredAt of the LeadScored that set grade and score (an older one arriving late changes nothing).</summary>
    public required DateTimeOffset ScoredAt { get; init; }
    /// <summary>When Assignment first recorded the lead.</summary>
    public required DateTimeOffset QueuedAt { get; init; }
    public required LeadStatus Status { get; init; }
    public string? RepId { get; init; }
    /// <summary>The rep's current name (read model, filled when read for the API; not stored).</summary>
    [JsonIgnore]
    public string? RepName { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    /// <summary>The rep the lead had before it went back to the backlog (their rep deactivated); carried by its next <c>LeadAssigned</c>.</summary>
    public string? PreviousRepId { get; init; }
    /// <summary><c>won</c> or <c>lost</c> while <see cref="LeadStatus.Closed"/>.</summary>
    public string? ClosedAs { get; init; }
    /// <summary>OccurredAt of the last close or reopen applied (an older one arriving late changes nothing).</summary>
    public DateTimeOffset? ClosureAt { get; init; }
    /// <summary>Where the lead came from, and its facts for the rules' conditions (from its latest score).</summary>
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Interest { get; init; }
    public string? Region { get; init; }
    public string? Language { get; init; }
    /// <summary>The contact this lead belonged to before a merge moved it to <see cref="ContactId"/> (for an un-merge).</summary>
    public string? MergedFromContactId { get; init; }
    /// <summary>The merge that moved it from <see cref="MergedFromContactId"/> (an un-merge moves exactly those back).</summary>
    public string? MergeId { get; init; }
    /// <summary>The capacity units the lead took from its rep when assigned (given back when it closes or moves).</summary>
    public int Units { get; init; } = 1;
    /// <summary>The rule that routed it.</summary>
    public string? RuleId { get; init; }
    /// <summary>The latest routing decision: why it went to its rep, or why it waits.</summary>
    public RouteExplanation? Explanation { get; init; }
    /// <summary>When <see cref="Explanation"/> was decided.</summary>
    public DateTimeOffset? DecidedAt { get; init; }
    /// <summary>The running SLA clock (first contact, then follow-up after each activity); null when none runs.</summary>
    public SlaClock? Sla { get; init; }
    /// <summary>When the lead was first acted on (an activity logged, a stage move); null before.</summary>
    public DateTimeOffset? FirstContactAt { get; init; }
    /// <summary>The latest activity applied (an older one arriving late changes nothing).</summary>
    public DateTimeOffset? LastActivityAt { get; init; }
    /// <summary>The lead was already reassigned for a breached SLA (which happens once per lead).</summary>
    public bool SlaReassigned { get; init; }
    /// <summary>What happened to the lead here, newest last (at most <see cref="MaxHistory"/>).</summary>
    public IReadOnlyList<LeadHistoryEntry> History { get; init; } = [];

    public const int MaxHistory = 50;

    /// <summary>This lead with <paramref name="entry"/> appended to its history (the oldest dropped past <see cref="MaxHistory"/>).</summary>
    public LeadAssignment WithHistory(LeadHistoryEntry entry) =>
        this with { History = [.. History.Skip(Math.Max(0, History.Count + 1 - MaxHistory)), entry] };
    public long Version { get; init; } = 1;

    /// <summary>Stored with the document so the backlog index serves hot, then warm, then cold.</summary>
    public int GradeRank => BacklogOrder.Rank(Grade);

    public LeadAssignmentResponse ToResponse() => new()
    {
        LeadId = Id,
        ContactId = ContactId,
        Status = FormatStatus(Status),
        RepId = RepId,
        RepName = RepName,
        Grade = Grade,
        Score = Score,
        QueuedAt = QueuedAt,
        AssignedAt = AssignedAt,
        ClosedAs = ClosedAs,
        Explanation = Explanation is { } why ? ExplanationResponse(why, DecidedAt ?? QueuedAt) : null,
        Sla = Sla is { } clock ? new SlaClockResponse
        {
            Sla = SlaLadder.WireName(clock.Kind),
            StartedAt = clock.StartedAt,
            BreachAt = clock.BreachAt,
            NextStep = clock.NextStep is { } step ? SlaLadder.WireName(step) : null,
            NextStepAt = clock.DueAt,
            Breached = clock.Breached,
        } : null,
        FirstContactAt = FirstContactAt,
        History = [.. History.Select(h => new LeadHistoryResponse { At = h.At, Kind = h.Kind, RepId = h.RepId, Detail = h.Detail })],
    };

    /// <summary>What routing knows about this lead, with what the contact's earlier leads tell.</summary>
    public RoutingLead ToRouting(ContactHistory history) => new(Id, Grade, Score, QueuedAt)
    {
        Source = Source,
        Channel = Channel,
        Campaign = Campaign,
        Interest = Interest,
        Region = Region,
        Language = Language,
        ReturningCustomer = history.ReturningCustomer,
        PreviousOwnerId = history.PreviousOwnerId,
    };

    public static AssignmentExplanationResponse ExplanationResponse(RouteExplanation why, DateTimeOffset decidedAt) => new()
    {
        RuleId = why.RuleId,
        RuleName = why.RuleName,
        Strategy = Rules.RoutingRules.StrategyName(why.Strategy),
        OptionalSkillsDropped = why.OptionalSkillsDropped,
        Considered = why.Considered,
        Eligible = why.Eligible,
        Excluded = [.. why.Excluded.Select(e => new ExcludedRepResponse { RepId = e.RepId, Reason = Router.WireName(e.Reason), Detail = e.Detail })],
        ExcludedByReason = why.ExcludedByReason,
        Winner = why.Winner is { } w ? new WinnerResponse { RepId = w.RepId, LoadBefore = w.LoadBefore, Capacity = w.Capacity, Weight = w.Weight, Credit = w.Credit } : null,
        Note = why.Note,
        DecidedAt = decidedAt,
    };

    public static string FormatStatus(LeadStatus status) => status switch
    {
        LeadStatus.Assigned => "assigned",
        LeadStatus.Closed => "closed",
        _ => "backlog",
    };

    /// <summary>
    /// The event published (through the outbox) when this lead goes to <paramref name="rep"/> at <paramref name="now"/> by
    /// <paramref name="rule"/>: from the backlog (it waited since it was queued), or taken from its owner for a breached SLA
    /// (it did not wait in the backlog at all).
    /// </summary>
    public LeadAssigned AssignedEvent(Rep rep, DateTimeOffset now, RouteExplanation rule) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = now,
        LeadId = Id,
        ContactId = ContactId,
        RepId = rep.Id,
        RepName = rep.Name,
        TeamId = rep.TeamId,
        Grade = BacklogOrder.Format(Grade),
        Score = Score,
        WaitedInBacklog = Status == LeadStatus.Backlog ? now - QueuedAt : TimeSpan.Zero,
        AssignedBy = Actor.System,
        PreviousRepId = PreviousRepId,
        RuleId = rule.RuleId,
        Strategy = Rules.RoutingRules.StrategyName(rule.Strategy),
        Source = Source,
        Channel = Channel,
        Campaign = Campaign,
        Interest = Interest,
    };
}

/// <summary>An entry of a lead's assignment history: assigned, sla-warning, sla-breached, reassigned, escalated, activity, closed, reopened, back-to-backlog.</summary>
public sealed record LeadHistoryEntry(DateTimeOffset At, string Kind, string? RepId = null, string? Detail = null);

/// <summary>What a contact's earlier leads tell routing: whether they bought before, and their latest owner.</summary>
public sealed record ContactHistory(bool ReturningCustomer, string? PreviousOwnerId)
{
    public static ContactHistory None { get; } = new(false, null);

    /// <summary>From the contact's earlier leads: any won, and the rep of the latest assigned.</summary>
    public static ContactHistory Of(IEnumerable<LeadAssignment> earlier) =>
        new(
            earlier.Any(l => l.ClosedAs == "won"),
            earlier.Where(l => l.RepId is not null).OrderByDescending(l => l.AssignedAt).ThenByDescending(l => l.Id, StringComparer.Ordinal).FirstOrDefault()?.RepId);
}

/// <summary>What a LeadScored event tells Assignment: the score and the lead's facts for routing.</summary>
public sealed record ScoredLead(string LeadId, string ContactId, Grade Grade, int Score, DateTimeOffset ScoredAt)
{
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Interest { get; init; }
    public string? Region { get; init; }
    public string? Language { get; init; }
}
