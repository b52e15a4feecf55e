using Crm.Contracts.Audit;

namespace Crm.Contracts.Leads;

/// <summary>
/// A lead was captured and stored. Channel is lower-case (web, ads, whatsapp, sms, email, phone). <c>OccurredAt</c> is the
/// lead's capture time: the <c>capturedAt</c> its source reported when given (up to <c>Leads:MaxCapturedAtAge</c>, 90 days,
/// before the event is published), else when Leads accepted it.
/// </summary>
public sealed record LeadCaptured
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>Where the lead came from (landing page, campaign, partner).</summary>
    public required string Source { get; init; }
    /// <summary>The channel, lower-case (web, ads, whatsapp, sms, email, phone).</summary>
    public required string Channel { get; init; }
    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }
    /// <summary>The e-mail as captured (trimmed).</summary>
    public string? Email { get; init; }
    /// <summary>The phone in E.164.</summary>
    public string? Phone { get; init; }
    /// <summary>Pages the person visited before capture.</summary>
    public int PagesVisited { get; init; }
    /// <summary>The person's last interaction, as captured.</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }
    /// <summary>Who captured the lead: the API key or person that called (added later: null in older events).</summary>
    public Actor? CapturedBy { get; init; }
    /// <summary>The campaign the lead answered (null when none; absent in older events).</summary>
    public string? Campaign { get; init; }
    /// <summary>What the person is interested in (null when not given).</summary>
    public string? Interest { get; init; }
    /// <summary>The person's region (null when not given).</summary>
    public string? Region { get; init; }
    /// <summary>The pipeline the lead entered (null in older events: <c>default</c>).</summary>
    public string? PipelineId { get; init; }
}

/// <summary>One line of a score's explanation.</summary>
public sealed record ScoreReason
{
    /// <summary>The scoring rule's name.</summary>
    public required string Rule { get; init; }
    /// <summary>Points the rule gave (may be negative).</summary>
    public required int Points { get; init; }
    /// <summary>Why, for people.</summary>
    public required string Detail { get; init; }
}

/// <summary>A lead's score was computed. Grade is lower-case: cold, warm or hot.</summary>
public sealed record LeadScored
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead's score.</summary>
    public required int Score { get; init; }
    /// <summary>The grade, lower-case: cold, warm or hot.</summary>
    public required string Grade { get; init; }
    /// <summary>The score before, when the lead was scored again; null the first time.</summary>
    public int? PreviousScore { get; init; }
    /// <summary>The grade before, lower-case; null the first time.</summary>
    public string? PreviousGrade { get; init; }
    /// <summary>How the score was reached, rule by rule.</summary>
    public IReadOnlyList<ScoreReason> Reasons { get; init; } = [];
    /// <summary>Where the lead came from.</summary>
    public string? Source { get; init; }
    /// <summary>The lead's channel, lower-case.</summary>
    public string? Channel { get; init; }
    /// <summary>The engagement part (signal rules) of the score; absent in older events.</summary>
    public int? Engagement { get; init; }
    /// <summary>The fit part (attribute rules) of the score; absent in older events.</summary>
    public int? Fit { get; init; }
    /// <summary>Why it was scored: capture, signals, repeat-capture, decay, rules, attributes (absent in older events).</summary>
    public string? Cause { get; init; }
    /// <summary>The lead's campaign, for routing rules (absent in older events).</summary>
    public string? Campaign { get; init; }
    /// <summary>The lead's product interest, for routing rules (absent in older events).</summary>
    public string? Interest { get; init; }
    /// <summary>The lead's region, for routing rules (absent in older events).</summary>
    public string? Region { get; init; }
    /// <summary>The language the lead wrote in (capture field <c>language</c>), for routing rules (absent when unknown).</summary>
    public string? Language { get; init; }
}

/// <summary>
/// Several leads' scores changed at once — a request of behavioural signals, or a chunk of a new rule set's rescore: each
/// item is exactly the <see cref="LeadScored"/> that lead's change would have published on its own (its own
/// <c>EventId</c>, <c>PreviousScore</c> and <c>PreviousGrade</c> set, <c>Cause</c>), at most
/// <see cref="MaxScores"/> per event. One message per batch instead of one per lead, so that consumers take a burst of
/// rescores in one unit of work. A lead's first score (at capture) is always a <see cref="LeadScored"/> of its own; a
/// consumer of lead scores consumes both.
/// </summary>
public sealed record LeadScoresChanged
{
    /// <summary>Items per event at most.</summary>
    public const int MaxScores = 500;

    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The changes, at most one per lead.</summary>
    public required IReadOnlyList<LeadScored> Scores { get; init; }
}

/// <summary>A lead's grade crossed into hot (once per crossing; again only after it fell below and came back).</summary>
public sealed record LeadBecameHot
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The score that made it hot.</summary>
    public required int Score { get; init; }
    /// <summary>The grade before, lower-case (null at capture).</summary>
    public string? PreviousGrade { get; init; }
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
}

/// <summary>
/// Behavioural signals were recorded on leads: one event per signals request (up to 1,000 signals), one
/// <see cref="Interaction"/> per lead and signal type in it — so a high-volume sender costs one message per request, not
/// one per signal.
/// </summary>
public sealed record InteractionRecorded
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When they were recorded (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>Per lead and signal type.</summary>
    public required IReadOnlyList<Interaction> Interactions { get; init; }
}

/// <summary>Signals of one type recorded on one lead.</summary>
public sealed record Interaction
{
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>page-view, download, click, form-submit, email-open, email-click, reply, call, cart-add, cart-abandon, order or interaction.</summary>
    public required string Type { get; init; }
    /// <summary>How many signals of the type.</summary>
    public required int Count { get; init; }
    /// <summary>When the first of them happened.</summary>
    public required DateTimeOffset FirstAt { get; init; }
    /// <summary>When the last of them happened.</summary>
    public required DateTimeOffset LastAt { get; init; }
    /// <summary>The signals' ids (as the sender gave them).</summary>
    public IReadOnlyList<string> SignalIds { get; init; } = [];
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
}

/// <summary>A lead moved from one stage of its pipeline to another (its exit criteria were met).</summary>
public sealed record LeadStageChanged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead's pipeline.</summary>
    public required string PipelineId { get; init; }
    /// <summary>The pipeline's version the move was checked against.</summary>
    public long PipelineVersion { get; init; }
    /// <summary>The stage before.</summary>
    public required string FromStage { get; init; }
    /// <summary>The stage after.</summary>
    public required string ToStage { get; init; }
    /// <summary>Who moved it.</summary>
    public Actor? By { get; init; }
    /// <summary>The lead's owner at the time (null when unassigned).</summary>
    public string? OwnerId { get; init; }
}

/// <summary>A lead was won.</summary>
public sealed record LeadWon
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead's pipeline.</summary>
    public required string PipelineId { get; init; }
    /// <summary>The stage it was won from.</summary>
    public required string Stage { get; init; }
    /// <summary>The deal's value as a decimal string (<c>"129.90"</c>).</summary>
    public required string Amount { get; init; }
    /// <summary>ISO 4217 currency of <see cref="Amount"/>.</summary>
    public required string Currency { get; init; }
    /// <summary>When the lead was captured (sales-cycle length = OccurredAt − CapturedAt).</summary>
    public DateTimeOffset CapturedAt { get; init; }
    /// <summary>Where the lead came from.</summary>
    public string? Source { get; init; }
    /// <summary>The lead's channel, lower-case.</summary>
    public string? Channel { get; init; }
    /// <summary>The lead's campaign.</summary>
    public string? Campaign { get; init; }
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
    /// <summary>Who marked it won.</summary>
    public Actor? By { get; init; }
}

/// <summary>A lead was lost.</summary>
public sealed record LeadLost
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead's pipeline.</summary>
    public required string PipelineId { get; init; }
    /// <summary>The stage it was lost in.</summary>
    public required string Stage { get; init; }
    /// <summary>Why (one of the pipeline's lost reasons).</summary>
    public required string Reason { get; init; }
    /// <summary>When the lead was captured.</summary>
    public DateTimeOffset CapturedAt { get; init; }
    /// <summary>Where the lead came from.</summary>
    public string? Source { get; init; }
    /// <summary>The lead's channel, lower-case.</summary>
    public string? Channel { get; init; }
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
    /// <summary>Who marked it lost.</summary>
    public Actor? By { get; init; }
}

/// <summary>A won or lost lead was reopened (explicitly) into a stage of its pipeline.</summary>
public sealed record LeadReopened
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>won or lost: what it was before.</summary>
    public required string PreviousStatus { get; init; }
    /// <summary>The stage it reopened in.</summary>
    public required string Stage { get; init; }
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
    /// <summary>Who reopened it.</summary>
    public Actor? By { get; init; }
}

/// <summary>An activity (a call, a quote sent ...) was logged on a lead.</summary>
public sealed record LeadActivityLogged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it was logged (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The activity's id.</summary>
    public required string ActivityId { get; init; }
    /// <summary>Its type (<c>call</c>, <c>email</c>, <c>quote-sent</c> ...).</summary>
    public required string Type { get; init; }
    /// <summary>When the activity happened.</summary>
    public required DateTimeOffset At { get; init; }
    /// <summary>The lead's owner (null when unassigned).</summary>
    public string? OwnerId { get; init; }
    /// <summary>Who logged it.</summary>
    public Actor? By { get; init; }
}
