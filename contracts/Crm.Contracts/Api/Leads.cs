using System.Text.Json.Serialization;
using Crm.Contracts.Audit;

namespace Crm.Contracts.Api.Leads;

/// <summary>Body of <c>POST /api/leads</c>. At least one of e-mail and phone is required.</summary>
public sealed record CaptureLeadRequest
{
    /// <summary>The person's name.</summary>
    public string? Name { get; init; }

    /// <summary>E-mail address (compared case-insensitively to recognise the person).</summary>
    public string? Email { get; init; }

    /// <summary>Any common format; normalised to E.164 with the platform's default region.</summary>
    public string? Phone { get; init; }

    /// <summary>
    /// The person's id in the sender's own system (a shop customer id, a device id; at most 100 characters, e.g.
    /// <c>shop:1001</c>): later signals may name the person by it.
    /// </summary>
    public string? ExternalId { get; init; }

    /// <summary>Where the lead came from (landing page, campaign, partner). Required, at most 100 characters.</summary>
    public string? Source { get; init; }

    /// <summary>The channel the lead came through. Optional: when absent it is inferred from <c>source</c> and <c>utm</c> (e.g. <c>facebook-ads</c> is <c>ads</c>), else <c>unknown</c>.</summary>
    public Channel? Channel { get; init; }

    /// <summary>The campaign the lead answered (at most 100 characters); defaults to <c>utm.campaign</c>.</summary>
    public string? Campaign { get; init; }

    /// <summary>UTM tags of the landing page (each at most 200 characters).</summary>
    public UtmTags? Utm { get; init; }

    /// <summary>What the person is interested in (a product, a plan; at most 100 characters).</summary>
    public string? Interest { get; init; }

    /// <summary>Region (a country or sales region code, at most 50 characters).</summary>
    public string? Region { get; init; }

    /// <summary>The budget the person stated.</summary>
    public Money? Budget { get; init; }

    /// <summary>When the person expects to decide (a date, <c>2026-12-24</c>).</summary>
    public DateOnly? DecisionDate { get; init; }

    /// <summary>Who referred the person (a customer id, partner name; at most 100 characters).</summary>
    public string? ReferredBy { get; init; }

    /// <summary>The pipeline the lead enters (its id, default <c>default</c>); it starts in the pipeline's first stage.</summary>
    public string? Pipeline { get; init; }

    /// <summary>Pages the person visited before (a scoring signal).</summary>
    public int PagesVisited { get; init; }

    /// <summary>The person's last interaction (a scoring signal: recent is hotter).</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }

    /// <summary>
    /// When the person submitted the form, as the source reports it (an ad platform's lead form carries it, e.g.
    /// Facebook's <c>created_time</c>; an import of a trade fair's leads). Optional: absent means now. Not more than 5
    /// minutes in the future (clock skew) nor older than <c>Leads:MaxCapturedAtAge</c> (default 90 days). The lead's
    /// <c>capturedAt</c> and <c>LeadCaptured</c>'s time are this; SLA clocks still start when the lead is assigned.
    /// </summary>
    public DateTimeOffset? CapturedAt { get; init; }

    /// <summary>Free fields (interest, budget, utm_campaign...), at most 50, values at most 1000 characters.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>One line of a score's explanation.</summary>
public sealed record ScoreLine
{
    /// <summary>The scoring rule's name.</summary>
    public required string Rule { get; init; }

    /// <summary>Points the rule gave (may be negative).</summary>
    public required int Points { get; init; }

    /// <summary>Why, for people.</summary>
    public required string Detail { get; init; }

    /// <summary><c>engagement</c> (signal rules) or <c>fit</c> (attribute rules).</summary>
    public string? Part { get; init; }

    /// <summary>The points before decay (null when decay took nothing).</summary>
    public int? BasePoints { get; init; }

    /// <summary>The latest signal the rule counted (null for fit rules).</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>A captured lead with its score and, once assigned, its owner.</summary>
public sealed record LeadResponse
{
    /// <summary>The lead's id.</summary>
    public required string Id { get; init; }

    /// <summary>The contact (person) the lead was resolved to; null while <see cref="ContactPending"/>.</summary>
    public string? ContactId { get; init; }

    /// <summary>
    /// True when the lead was captured while Contacts could not answer (the capture was answered 202): it is stored, and
    /// it is resolved to a contact, scored again, announced and assigned as soon as Contacts answers.
    /// </summary>
    public bool ContactPending { get; init; }

    /// <summary>Why a pending contact could not be resolved (Contacts rejected an identity), as <c>field: reason</c>; the lead is then not assigned.</summary>
    public string? ContactError { get; init; }

    /// <summary>The name as captured.</summary>
    public string? Name { get; init; }

    /// <summary>The e-mail as Contacts normalised it (as captured, trimmed, while the contact is pending).</summary>
    public string? Email { get; init; }

    /// <summary>The phone in E.164 (as captured, trimmed, while the contact is pending).</summary>
    public string? Phone { get; init; }

    /// <summary>The person's id in the sender's system, as captured (the first one given).</summary>
    public string? ExternalId { get; init; }

    /// <summary>Where the lead came from.</summary>
    public required string Source { get; init; }

    /// <summary>The channel the lead came through.</summary>
    public required Channel Channel { get; init; }

    /// <summary>Pages the person visited before.</summary>
    public int PagesVisited { get; init; }

    /// <summary>The person's last interaction, as captured.</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }

    /// <summary>The free fields as captured (or changed since).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>The campaign the lead answered.</summary>
    public string? Campaign { get; init; }

    /// <summary>UTM tags as captured.</summary>
    public UtmTags? Utm { get; init; }

    /// <summary>What the person is interested in.</summary>
    public string? Interest { get; init; }

    /// <summary>Region.</summary>
    public string? Region { get; init; }

    /// <summary>The budget the person stated.</summary>
    public Money? Budget { get; init; }

    /// <summary>When the person expects to decide.</summary>
    public DateOnly? DecisionDate { get; init; }

    /// <summary>Who referred the person.</summary>
    public string? ReferredBy { get; init; }

    /// <summary>The pipeline the lead is in.</summary>
    public string PipelineId { get; init; } = "default";

    /// <summary>The stage the lead is in (a stage key of its pipeline).</summary>
    public string Stage { get; init; } = "new";

    /// <summary>open, won or lost.</summary>
    public LeadStatus Status { get; init; }

    /// <summary>When the lead entered its stage.</summary>
    public DateTimeOffset? StageEnteredAt { get; init; }

    /// <summary>Every stage change, oldest first, with who and when (won, lost and reopened included).</summary>
    public IReadOnlyList<StageChange> StageHistory { get; init; } = [];

    /// <summary>Activities logged on the lead (calls, quotes sent ...), oldest first.</summary>
    public IReadOnlyList<LeadActivity> Activities { get; init; } = [];

    /// <summary>The value the lead was won with; null unless won.</summary>
    public Money? Value { get; init; }

    /// <summary>Why the lead was lost (one of the pipeline's reasons); null unless lost.</summary>
    public string? LostReason { get; init; }

    /// <summary>A free note on the loss.</summary>
    public string? LostNote { get; init; }

    /// <summary>When the lead was won or lost; null while open.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>The lead's score, 0 to the rule set's maximum (100 by default): engagement + fit, clamped.</summary>
    public required int Score { get; init; }

    /// <summary>Points from behaviour (signal rules, after decay).</summary>
    public int Engagement { get; init; }

    /// <summary>Points from who the person is (attribute rules).</summary>
    public int Fit { get; init; }

    /// <summary>When the score was last computed (capture, signals, decay, a new rule set).</summary>
    public DateTimeOffset? ScoredAt { get; init; }

    /// <summary>The scoring rule set version the score was computed with.</summary>
    public int RulesVersion { get; init; }

    /// <summary>The grade the score falls in.</summary>
    public required Grade Grade { get; init; }

    /// <summary>How the score was reached, rule by rule.</summary>
    public IReadOnlyList<ScoreLine> ScoreBreakdown { get; init; } = [];

    /// <summary>The rep who owns the lead; null until assigned (assignment is asynchronous).</summary>
    public string? OwnerId { get; init; }

    /// <summary>The owner's name; null until assigned.</summary>
    public string? OwnerName { get; init; }

    /// <summary>The owner's team at assignment; null until assigned or when the rep has no team.</summary>
    public string? OwnerTeamId { get; init; }

    /// <summary>When the lead was assigned (UTC); null until then.</summary>
    public DateTimeOffset? AssignedAt { get; init; }

    /// <summary>When the lead was captured (UTC).</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Who captured the lead: the API key (kind <c>key</c>) or person (kind <c>person</c>, with their role) that called; null for leads captured before this was recorded.</summary>
    public Actor? CapturedBy { get; init; }

    /// <summary>Version, incremented by every change of the lead.</summary>
    public required long Version { get; init; }
}

/// <summary>UTM tags of the page a lead came from.</summary>
public sealed record UtmTags
{
    /// <summary><c>utm_source</c>.</summary>
    public string? Source { get; init; }

    /// <summary><c>utm_medium</c> (<c>cpc</c>, <c>email</c>, <c>social</c> ...).</summary>
    public string? Medium { get; init; }

    /// <summary><c>utm_campaign</c>.</summary>
    public string? Campaign { get; init; }

    /// <summary><c>utm_term</c>.</summary>
    public string? Term { get; init; }

    /// <summary><c>utm_content</c>.</summary>
    public string? Content { get; init; }
}

/// <summary>Where a lead stands. Serialised lower-case.</summary>
public enum LeadStatus
{
    /// <summary>In a stage of its pipeline (<c>open</c>).</summary>
    Open,
    /// <summary>Won (<c>won</c>).</summary>
    Won,
    /// <summary>Lost (<c>lost</c>).</summary>
    Lost,
}

/// <summary>One change of a lead's stage or status.</summary>
public sealed record StageChange
{
    /// <summary>The stage before (null for the first entry, at capture).</summary>
    public string? From { get; init; }

    /// <summary>The stage after (for won / lost: the stage the lead was closed in).</summary>
    public required string To { get; init; }

    /// <summary>The status after: open, won or lost.</summary>
    public required LeadStatus Status { get; init; }

    /// <summary>When (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who made the change.</summary>
    public Crm.Contracts.Audit.Actor? By { get; init; }
}

/// <summary>An activity logged on a lead by a rep or a system (a call, a quote sent ...).</summary>
public sealed record LeadActivity
{
    /// <summary>The activity's id.</summary>
    public required string Id { get; init; }

    /// <summary>Its type, lower-case kebab (<c>call</c>, <c>email</c>, <c>meeting</c>, <c>quote-sent</c>, <c>note</c> or your own).</summary>
    public required string Type { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>A free note (at most 2000 characters).</summary>
    public string? Note { get; init; }

    /// <summary>Who logged it.</summary>
    public Crm.Contracts.Audit.Actor? By { get; init; }
}

/// <summary>Body of <c>POST /api/leads/{id}/stage</c>.</summary>
public sealed record MoveStageRequest
{
    /// <summary>The stage to move to (a stage key of the lead's pipeline, allowed from its current stage).</summary>
    public string? Stage { get; init; }
}

/// <summary>Body of <c>POST /api/leads/{id}/won</c>.</summary>
public sealed record WinLeadRequest
{
    /// <summary>What the deal is worth.</summary>
    public Money? Value { get; init; }
}

/// <summary>Body of <c>POST /api/leads/{id}/lost</c>.</summary>
public sealed record LoseLeadRequest
{
    /// <summary>Why: one of the pipeline's <c>lostReasons</c>.</summary>
    public string? Reason { get; init; }

    /// <summary>A free note (at most 2000 characters).</summary>
    public string? Note { get; init; }
}

/// <summary>Body of <c>POST /api/leads/{id}/reopen</c>.</summary>
public sealed record ReopenLeadRequest
{
    /// <summary>The stage to reopen in (default: the stage it was closed in).</summary>
    public string? Stage { get; init; }
}

/// <summary>Body of <c>POST /api/leads/{id}/activities</c>.</summary>
public sealed record LogActivityRequest
{
    /// <summary>Lower-case kebab, 1 to 40 characters (<c>call</c>, <c>email</c>, <c>meeting</c>, <c>quote-sent</c>, <c>note</c> ...).</summary>
    public string? Type { get; init; }

    /// <summary>When it happened (default: now; not more than 5 minutes in the future).</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>A free note (at most 2000 characters).</summary>
    public string? Note { get; init; }
}

/// <summary>A pipeline: its stages in order, the moves allowed between them and what each stage needs before it can be left.</summary>
public sealed record PipelineDefinition
{
    /// <summary>The pipeline's id (lower-case kebab; from the path).</summary>
    public string? Id { get; init; }

    /// <summary>A name for people (1 to 100 characters).</summary>
    public string? Name { get; init; }

    /// <summary>The stages, in order; a new lead enters the first. 1 to 20.</summary>
    public IReadOnlyList<PipelineStage>? Stages { get; init; }

    /// <summary>Stages a lead may be won from (default: every stage).</summary>
    public IReadOnlyList<string>? WinFrom { get; init; }

    /// <summary>The reasons a lead may be lost for (1 to 50).</summary>
    public IReadOnlyList<string>? LostReasons { get; init; }

    /// <summary>Version, set by the server: 1 at creation, +1 with every change.</summary>
    public long Version { get; init; }

    /// <summary>When this version was saved (set by the server).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>A stage of a pipeline.</summary>
public sealed record PipelineStage
{
    /// <summary>Lower-case kebab key, unique in the pipeline (1 to 40 characters).</summary>
    public string? Key { get; init; }

    /// <summary>A name for people.</summary>
    public string? Name { get; init; }

    /// <summary>Stages a lead may move to from this one (keys of this pipeline).</summary>
    public IReadOnlyList<string>? Next { get; init; }

    /// <summary>
    /// Fields the lead must have before it leaves this stage (forward or won): <c>name</c>, <c>email</c>, <c>phone</c>,
    /// <c>budget</c>, <c>decisionDate</c>, <c>interest</c>, <c>region</c>, <c>campaign</c> or <c>fields.&lt;key&gt;</c>.
    /// </summary>
    public IReadOnlyList<string>? RequiredFields { get; init; }

    /// <summary>Activity types that must have been logged on the lead before it leaves this stage (<c>call</c>, <c>quote-sent</c> ...).</summary>
    public IReadOnlyList<string>? RequiredActivities { get; init; }
}

/// <summary>Body of <c>POST /api/leads/batch</c>: up to 1,000 leads, each as <c>POST /api/leads</c> takes it.</summary>
public sealed record BatchCaptureRequest
{
    /// <summary>The leads (1 to 1,000).</summary>
    public IReadOnlyList<CaptureLeadRequest>? Items { get; init; }
}

/// <summary>Answer of <c>POST /api/leads/batch</c>: one result per item, in order.</summary>
public sealed record BatchCaptureResponse
{
    /// <summary>One per item: 201 created, 202 created with the contact pending, 200 recorded on the contact's open lead, 400 with its errors.</summary>
    public required IReadOnlyList<BatchItemResult> Results { get; init; }
}

/// <summary>What became of one item of a batch.</summary>
public sealed record BatchItemResult
{
    /// <summary>The item's position in <c>items</c> (0-based).</summary>
    public required int Index { get; init; }

    /// <summary>201, 202, 200 or 400, as the single-lead endpoint would have answered.</summary>
    public required int Status { get; init; }

    /// <summary>The lead's id (the open lead's for a 200); null for a 400.</summary>
    public string? Id { get; init; }

    /// <summary>Where to read the lead.</summary>
    public string? Location { get; init; }

    /// <summary>Field errors of a 400 (field names as in the item).</summary>
    public IDictionary<string, string[]>? Errors { get; init; }
}

/// <summary>Body of <c>POST /api/leads/signals</c>: up to 1,000 behavioural signals.</summary>
public sealed record RecordSignalsRequest
{
    /// <summary>The signals (1 to 1,000).</summary>
    public IReadOnlyList<SignalRequest>? Items { get; init; }
}

/// <summary>One behavioural signal of a person, on their lead: by <c>leadId</c>, or by the contact's <c>email</c> or E.164 <c>phone</c> (their newest open lead).</summary>
public sealed record SignalRequest
{
    /// <summary>The sender's id of the signal (1 to 100 characters): the same id again is recorded once (kept 30 days).</summary>
    public string? Id { get; init; }

    /// <summary>page-view, download, click, form-submit, email-open, email-click, reply, call, cart-add, cart-abandon, order, interaction.</summary>
    public string? Type { get; init; }

    /// <summary>When it happened (default: now; not more than 5 minutes ahead, not older than 365 days).</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>How many of them (e.g. 3 page views), 1 to 1,000; default 1.</summary>
    public int? Count { get; init; }

    /// <summary>The lead's id.</summary>
    public string? LeadId { get; init; }

    /// <summary>Or the person's e-mail (compared case-insensitively).</summary>
    public string? Email { get; init; }

    /// <summary>Or the person's phone in E.164 (<c>+4915112345678</c>).</summary>
    public string? Phone { get; init; }

    /// <summary>Or the person's id in the sender's system, as given at capture (<c>externalId</c>).</summary>
    public string? ExternalId { get; init; }
}

/// <summary>Answer of <c>POST /api/leads/signals</c>: one result per signal, in order, and the totals.</summary>
public sealed record RecordSignalsResponse
{
    /// <summary>Signals recorded now.</summary>
    public int Recorded { get; init; }

    /// <summary>Signals whose id was recorded before (not counted twice).</summary>
    public int Duplicates { get; init; }

    /// <summary>Signals refused (400) or without a lead (404).</summary>
    public int Rejected { get; init; }

    /// <summary>One per signal: 202 recorded, 200 already recorded, 404 no such lead, 400 with its errors.</summary>
    public required IReadOnlyList<SignalResult> Results { get; init; }
}

/// <summary>What became of one signal.</summary>
public sealed record SignalResult
{
    /// <summary>Its position in <c>items</c>.</summary>
    public required int Index { get; init; }

    /// <summary>202, 200, 404 or 400.</summary>
    public required int Status { get; init; }

    /// <summary>The lead it was recorded on.</summary>
    public string? LeadId { get; init; }

    /// <summary>Field errors of a 400.</summary>
    public IDictionary<string, string[]>? Errors { get; init; }
}

/// <summary>
/// Body of <c>PATCH /api/leads/{id}</c> (JSON merge patch): absent unchanged, null clears; <c>fields</c> merged per key (null
/// removes a key). Members left null are not written, so serialising this record never clears anything: send a raw merge
/// patch (<c>{ "campaign": null }</c>) to clear a member.
/// </summary>
public sealed record UpdateLeadRequest
{
    /// <summary>The campaign (at most 100 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Campaign { get; init; }

    /// <summary>What the person is interested in (at most 100 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Interest { get; init; }

    /// <summary>Region (at most 50 characters).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Region { get; init; }

    /// <summary>The stated budget.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Money? Budget { get; init; }

    /// <summary>When the person expects to decide.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? DecisionDate { get; init; }

    /// <summary>Who referred the person.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReferredBy { get; init; }

    /// <summary>Free fields to set (a string) or remove (null), per key.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string?>? Fields { get; init; }
}
