using Crm.Contracts.Audit;

namespace Crm.Contracts.Assignment;

/// <summary>A lead was given to a rep.</summary>
public sealed record LeadAssigned
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The rep the lead was given to.</summary>
    public required string RepId { get; init; }
    /// <summary>The rep's name at assignment.</summary>
    public required string RepName { get; init; }
    /// <summary>The rep's team at assignment, if the rep has one (added later: older events lack it). Team leads see the leads of their team.</summary>
    public string? TeamId { get; init; }
    /// <summary>The lead's grade at assignment, lower-case (cold, warm, hot).</summary>
    public string? Grade { get; init; }
    /// <summary>The lead's score at assignment.</summary>
    public int? Score { get; init; }
    /// <summary>How long the lead waited in the backlog before a rep was free (zero when assigned at once).</summary>
    public TimeSpan WaitedInBacklog { get; init; }
    /// <summary>Who assigned the lead: the platform (<see cref="Actor.System"/>) for automatic assignment (added later: null in older events).</summary>
    public Actor? AssignedBy { get; init; }
    /// <summary>
    /// The rep the lead had before, when this is a reassignment (their rep was deactivated); null for a lead's first
    /// assignment. The latest assignment is the lead's owner; a reassignment is not a new lead assigned.
    /// </summary>
    public string? PreviousRepId { get; init; }
    /// <summary>The assignment rule that routed the lead (<c>default</c> while no rule is configured); absent in older events.</summary>
    public string? RuleId { get; init; }
    /// <summary>The rule's strategy: round-robin, least-loaded, most-available, weighted or sticky; absent in older events.</summary>
    public string? Strategy { get; init; }
    /// <summary>Where the lead came from (as captured), when Assignment knows it; absent in older events.</summary>
    public string? Source { get; init; }
    /// <summary>The lead's capture channel, lower-case (web, ads, whatsapp, sms, email, phone), when known; absent in older events.</summary>
    public string? Channel { get; init; }
    /// <summary>The campaign the lead answered, when known; absent in older events.</summary>
    public string? Campaign { get; init; }
    /// <summary>What the person is interested in, when known; absent in older events.</summary>
    public string? Interest { get; init; }
}

/// <summary>A rep was created (by an administrator); the fields are the new rep's.</summary>
public sealed record RepCreated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The rep concerned.</summary>
    public required string RepId { get; init; }
    /// <summary>The rep's display name.</summary>
    public required string Name { get; init; }
    /// <summary>Maximum open leads.</summary>
    public required int Capacity { get; init; }
    /// <summary>Whether the rep takes new leads.</summary>
    public required bool Active { get; init; }
    /// <summary>The rep's team, absent without one.</summary>
    public string? TeamId { get; init; }
    /// <summary>available, away or offline (absent in older events: available).</summary>
    public string? Presence { get; init; }
    /// <summary>The rep's work e-mail address (absent without one, and in older events); Messaging sends SLA alerts to it.</summary>
    public string? Email { get; init; }
    /// <summary>The rep's work phone in E.164 (absent without one, and in older events).</summary>
    public string? Phone { get; init; }
    /// <summary>The rep's version (1 for a new rep).</summary>
    public required long Version { get; init; }
    /// <summary>Who created the rep: the admin key or person that called.</summary>
    public required Actor ChangedBy { get; init; }
}

/// <summary>A rep's settings changed (name, capacity, active or team); the fields are the rep's after the change.</summary>
public sealed record RepChanged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The rep concerned.</summary>
    public required string RepId { get; init; }
    /// <summary>The rep's display name.</summary>
    public required string Name { get; init; }
    /// <summary>Maximum open leads.</summary>
    public required int Capacity { get; init; }
    /// <summary>Whether the rep takes new leads.</summary>
    public required bool Active { get; init; }
    /// <summary>The rep's team, absent without one.</summary>
    public string? TeamId { get; init; }
    /// <summary>available, away or offline (absent in older events: available).</summary>
    public string? Presence { get; init; }
    /// <summary>The rep's work e-mail address (absent without one, and in older events); Messaging sends SLA alerts to it.</summary>
    public string? Email { get; init; }
    /// <summary>The rep's work phone in E.164 (absent without one, and in older events).</summary>
    public string? Phone { get; init; }
    /// <summary>The rep's version after the change (consumers keep the highest: events may arrive out of order).</summary>
    public required long Version { get; init; }
    /// <summary>Who changed the rep: the admin key or person that called.</summary>
    public required Actor ChangedBy { get; init; }
}

/// <summary>
/// An SLA clock on a lead passed its warning point: the owner has not acted and the target is near. Published by
/// Assignment once per clock (clocks restart on activity, so a lead may warn again later).
/// </summary>
public sealed record SlaWarning
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The owner the clock runs for.</summary>
    public required string RepId { get; init; }
    /// <summary>The owner's team, if any.</summary>
    public string? TeamId { get; init; }
    /// <summary>The lead of the owner's team (a rep id) when the team names one (absent in older events); SLA alerts go to them.</summary>
    public string? TeamLeadRepId { get; init; }
    /// <summary>first-contact or follow-up.</summary>
    public required string Sla { get; init; }
    /// <summary>The lead's grade, lower-case.</summary>
    public string? Grade { get; init; }
    /// <summary>When the clock started (the assignment, or the last activity).</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>When the target is reached, in the owner's working calendar.</summary>
    public required DateTimeOffset BreachAt { get; init; }
}

/// <summary>An SLA clock on a lead reached its target without the owner acting.</summary>
public sealed record SlaBreached
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The owner the clock ran for.</summary>
    public required string RepId { get; init; }
    /// <summary>The owner's team, if any.</summary>
    public string? TeamId { get; init; }
    /// <summary>The lead of the owner's team (a rep id) when the team names one (absent in older events); SLA alerts go to them.</summary>
    public string? TeamLeadRepId { get; init; }
    /// <summary>first-contact or follow-up.</summary>
    public required string Sla { get; init; }
    /// <summary>The lead's grade, lower-case.</summary>
    public string? Grade { get; init; }
    /// <summary>When the clock started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The target, in working time of the owner.</summary>
    public required TimeSpan Target { get; init; }
}

/// <summary>
/// A lead was taken from its owner and given to another rep because an SLA was breached (once per lead). A
/// <see cref="LeadAssigned"/> with <c>PreviousRepId</c> is published with it, so owners follow either.
/// </summary>
public sealed record LeadReassigned
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The owner before.</summary>
    public required string FromRepId { get; init; }
    /// <summary>The new owner.</summary>
    public required string ToRepId { get; init; }
    /// <summary>Why: <c>sla-breached</c>.</summary>
    public required string Reason { get; init; }
    /// <summary>first-contact or follow-up: the SLA that was breached.</summary>
    public string? Sla { get; init; }
}

/// <summary>A breached lead was escalated up the ladder: to the owner's team lead, then to the manager.</summary>
public sealed record LeadEscalated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The owner.</summary>
    public required string RepId { get; init; }
    /// <summary>The owner's team, if any.</summary>
    public string? TeamId { get; init; }
    /// <summary><c>team-lead</c> or <c>manager</c>.</summary>
    public required string Level { get; init; }
    /// <summary>The rep escalated to (the team's lead or manager); null when the team names none.</summary>
    public string? ToRepId { get; init; }
    /// <summary>first-contact or follow-up.</summary>
    public required string Sla { get; init; }
}

/// <summary>
/// Assignment's answer to <see cref="Crm.Contracts.Messaging.ConversationOwnerNeeded"/>: the rep a conversation without a
/// lead owner goes to (the same rep for every request about one conversation). Messaging sets it as the conversation's
/// owner while it has none. Not published when no rep is available (the conversation stays unassigned until asked again).
/// </summary>
public sealed record ConversationRouted
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The conversation concerned.</summary>
    public required string ConversationId { get; init; }
    /// <summary>Its contact.</summary>
    public required string ContactId { get; init; }
    /// <summary>The rep it was routed to.</summary>
    public required string RepId { get; init; }
    /// <summary>The rep's team, if any.</summary>
    public string? TeamId { get; init; }
}
