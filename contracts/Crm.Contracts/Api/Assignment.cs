namespace Crm.Contracts.Api.Assignment;

/// <summary>Body of <c>POST /api/assignment/reps</c>.</summary>
public sealed record CreateRepRequest
{
    /// <summary>Display name, required, trimmed.</summary>
    public string? Name { get; init; }

    /// <summary>Maximum open leads, 1 to 10000.</summary>
    public int? Capacity { get; init; }

    /// <summary>The rep's team (optional): letters, digits, '-', '_' and '.', at most 100 characters. Team leads see their team's leads.</summary>
    public string? TeamId { get; init; }

    /// <summary>Skills and levels 1–5 (at most 50): lower-case names such as <c>lang:es</c>, <c>product:solar</c>, <c>region:north</c>, <c>channel:whatsapp</c>.</summary>
    public IReadOnlyDictionary<string, int?>? Skills { get; init; }

    /// <summary>Share of leads under weighted rules, 1 to 100 (default 1).</summary>
    public int? Weight { get; init; }

    /// <summary>The rep's work e-mail address (optional, at most 254 characters, stored lower-case): where SLA alerts go.</summary>
    public string? Email { get; init; }

    /// <summary>The rep's work phone in E.164 (optional, <c>+</c> and 8 to 15 digits).</summary>
    public string? Phone { get; init; }
}

/// <summary>Body of <c>PATCH /api/assignment/reps/{id}</c> (merge patch: absent means unchanged).</summary>
public sealed record UpdateRepRequest
{
    /// <summary>New display name; null leaves it unchanged.</summary>
    public string? Name { get; init; }

    /// <summary>New capacity, 1 to 10000; null leaves it unchanged.</summary>
    public int? Capacity { get; init; }

    /// <summary>false stops new assignments to the rep, true resumes them; null leaves it unchanged.</summary>
    public bool? Active { get; init; }

    /// <summary>New team; null leaves it unchanged, an empty string removes the rep from their team.</summary>
    public string? TeamId { get; init; }

    /// <summary>Skills merged per key (merge patch): a level 1–5 sets it, null removes it, absent skills stay.</summary>
    public IReadOnlyDictionary<string, int?>? Skills { get; init; }

    /// <summary>New weight, 1 to 100; null leaves it unchanged. Counts from the next lead on (no catch-up).</summary>
    public int? Weight { get; init; }

    /// <summary>New work e-mail address; null leaves it unchanged, an empty string removes it.</summary>
    public string? Email { get; init; }

    /// <summary>New work phone in E.164; null leaves it unchanged, an empty string removes it.</summary>
    public string? Phone { get; init; }
}

/// <summary>Whether a rep is at work right now (set by the rep, their team lead or a manager). Serialised lower-case.</summary>
public enum Presence
{
    /// <summary>Takes new leads (<c>available</c>); every rep starts so.</summary>
    Available,
    /// <summary>Briefly not taking new leads (<c>away</c>): a break, a meeting.</summary>
    Away,
    /// <summary>Not at work (<c>offline</c>).</summary>
    Offline,
}

/// <summary>Body of <c>PUT /api/assignment/reps/{id}/presence</c>.</summary>
public sealed record SetPresenceRequest
{
    /// <summary>available, away or offline (required).</summary>
    public Presence? Presence { get; init; }
}

/// <summary>A sales rep who is given leads.</summary>
public sealed record RepResponse
{
    /// <summary>The rep's id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Capacity in units (a lead takes its grade's units, 1 unless the rules weigh it more).</summary>
    public required int Capacity { get; init; }

    /// <summary>Whether the rep takes new leads.</summary>
    public required bool Active { get; init; }

    /// <summary>available, away or offline: only an active rep who is available is given new leads.</summary>
    public Presence Presence { get; init; }

    /// <summary>Capacity units taken by the leads assigned to the rep and still open (their number while every lead weighs 1).</summary>
    public required int OpenLeads { get; init; }

    /// <summary>The rep's team, or null.</summary>
    public string? TeamId { get; init; }

    /// <summary>Skills and their levels (1–5).</summary>
    public IReadOnlyDictionary<string, int> Skills { get; init; } = new Dictionary<string, int>();

    /// <summary>Share of leads under weighted rules.</summary>
    public int Weight { get; init; } = 1;

    /// <summary>Working hours and holidays; null: always at work.</summary>
    public WorkingHoursDocument? WorkingHours { get; init; }

    /// <summary>The rep's work e-mail address (where SLA alerts go), or null.</summary>
    public string? Email { get; init; }

    /// <summary>The rep's work phone in E.164, or null.</summary>
    public string? Phone { get; init; }

    /// <summary>When the rep was created (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Version, incremented by every change; send it as <c>If-Match</c> to update only this version.</summary>
    public required long Version { get; init; }
}

/// <summary>Where a lead stands in assignment: <c>assigned</c> with its rep, <c>backlog</c> while nobody is free, or <c>closed</c> once won or lost.</summary>
public sealed record LeadAssignmentResponse
{
    /// <summary>The lead's id.</summary>
    public required string LeadId { get; init; }

    /// <summary>The contact behind the lead.</summary>
    public required string ContactId { get; init; }

    /// <summary>assigned, backlog or closed (won or lost: it no longer takes its rep's capacity).</summary>
    public required string Status { get; init; }

    /// <summary>won or lost while closed; null otherwise.</summary>
    public string? ClosedAs { get; init; }

    /// <summary>The rep the lead is assigned to; null in the backlog.</summary>
    public string? RepId { get; init; }

    /// <summary>The rep's current name; null in the backlog.</summary>
    public string? RepName { get; init; }

    /// <summary>The lead's grade when it was queued.</summary>
    public Grade? Grade { get; init; }

    /// <summary>The lead's score when it was queued.</summary>
    public int? Score { get; init; }

    /// <summary>When assignment received the scored lead (UTC).</summary>
    public required DateTimeOffset QueuedAt { get; init; }

    /// <summary>When the lead was assigned (UTC); null in the backlog.</summary>
    public DateTimeOffset? AssignedAt { get; init; }

    /// <summary>Why it went to its rep, or why it waits: the latest routing decision (null before the first).</summary>
    public AssignmentExplanationResponse? Explanation { get; init; }

    /// <summary>The running SLA clock (first contact or follow-up); null when none runs.</summary>
    public SlaClockResponse? Sla { get; init; }

    /// <summary>When the owner first acted on the lead; null before.</summary>
    public DateTimeOffset? FirstContactAt { get; init; }

    /// <summary>Assignment history, newest last (at most 50 entries).</summary>
    public IReadOnlyList<LeadHistoryResponse> History { get; init; } = [];
}

/// <summary>A rep's weekly working hours in their time zone, and holidays (local dates). Reps without them are always at work.</summary>
public sealed record WorkingHoursDocument
{
    /// <summary>IANA time zone id, e.g. <c>Europe/Madrid</c> (required).</summary>
    public string? TimeZone { get; init; }

    /// <summary>Shifts in local time (at most 50); a day without a shift is not worked.</summary>
    public IReadOnlyList<WorkingShiftDocument>? Week { get; init; }

    /// <summary>Local dates not worked (at most 400).</summary>
    public IReadOnlyList<DateOnly>? Holidays { get; init; }
}

/// <summary>One shift: a day of the week and local times <c>HH:mm</c>; <c>to</c> <c>00:00</c> means until midnight.</summary>
public sealed record WorkingShiftDocument
{
    /// <summary>monday … sunday.</summary>
    public string? Day { get; init; }

    /// <summary>Start, <c>HH:mm</c>, inclusive.</summary>
    public string? From { get; init; }

    /// <summary>End, <c>HH:mm</c>, exclusive (<c>00:00</c>: midnight).</summary>
    public string? To { get; init; }
}

/// <summary>
/// The assignment rules (<c>GET</c>/<c>PUT /api/assignment/rules</c>): ordered, the first whose conditions match a lead
/// routes it; and the capacity units a lead takes by grade.
/// </summary>
public sealed record AssignmentRulesDocument
{
    /// <summary>The rules in order (at most 50). Empty: every lead to every rep, round robin.</summary>
    public IReadOnlyList<AssignmentRuleDocument>? Rules { get; init; }

    /// <summary>Capacity units a lead takes by grade (1 each when absent).</summary>
    public LeadUnitsDocument? LeadUnits { get; init; }

    /// <summary>The rules' version (responses; send it as <c>If-Match</c>).</summary>
    public long? Version { get; init; }
}

/// <summary>Capacity units of a lead by grade, 1 to 100 each.</summary>
public sealed record LeadUnitsDocument
{
    public int? Hot { get; init; }

    public int? Warm { get; init; }

    public int? Cold { get; init; }
}

/// <summary>One assignment rule: conditions on the lead → a pool of reps and a strategy.</summary>
public sealed record AssignmentRuleDocument
{
    /// <summary>Stable id: lower-case letters, digits and '-', at most 50 characters, unique among the rules.</summary>
    public string? Id { get; init; }

    /// <summary>A name for people (required, at most 200 characters).</summary>
    public string? Name { get; init; }

    /// <summary>Conditions, all of which must hold (absent: every lead).</summary>
    public RuleConditionsDocument? When { get; init; }

    /// <summary>Who may get the leads (absent: every rep).</summary>
    public RulePoolDocument? Pool { get; init; }

    /// <summary>round-robin (default), least-loaded, most-available, weighted or sticky.</summary>
    public string? Strategy { get; init; }

    /// <summary>At most <c>max</c> leads per rep through this rule in each window (absent: no cap).</summary>
    public FairnessCapDocument? FairnessCap { get; init; }
}

/// <summary>Conditions on a lead; each list given must contain the lead's value (case-insensitive), each bound must hold.</summary>
public sealed record RuleConditionsDocument
{
    public IReadOnlyList<string>? Sources { get; init; }

    public IReadOnlyList<string>? Channels { get; init; }

    public IReadOnlyList<string>? Campaigns { get; init; }

    public IReadOnlyList<string>? Interests { get; init; }

    public IReadOnlyList<string>? Regions { get; init; }

    public IReadOnlyList<string>? Languages { get; init; }

    public IReadOnlyList<Grade>? Grades { get; init; }

    /// <summary>Lowest score, inclusive (0–100).</summary>
    public int? ScoreMin { get; init; }

    /// <summary>Highest score, inclusive (0–100).</summary>
    public int? ScoreMax { get; init; }

    /// <summary>true: only contacts who bought before (a lead of theirs won); false: only the others.</summary>
    public bool? ReturningCustomer { get; init; }
}

/// <summary>A rule's pool: a team's reps (or all), with the required skills, and the optional ones until dropped.</summary>
public sealed record RulePoolDocument
{
    public string? TeamId { get; init; }

    public IReadOnlyList<SkillRequirementDocument>? RequiredSkills { get; init; }

    public IReadOnlyList<SkillRequirementDocument>? OptionalSkills { get; init; }

    /// <summary>After a lead has waited this many minutes, optional skills are no longer required (default 10; 0: at once).</summary>
    public int? DropOptionalAfterMinutes { get; init; }
}

/// <summary>A skill (e.g. <c>lang:es</c>, <c>product:solar</c>) and the lowest level that satisfies it (1–5, default 1).</summary>
public sealed record SkillRequirementDocument
{
    public string? Skill { get; init; }

    public int? MinLevel { get; init; }
}

/// <summary>At most <c>max</c> leads per rep in each fixed window of <c>windowMinutes</c>.</summary>
public sealed record FairnessCapDocument
{
    public int? Max { get; init; }

    public int? WindowMinutes { get; init; }
}

/// <summary>Why a lead went to its rep (or waits): the rule, the strategy, the reps considered and why each left out was.</summary>
public sealed record AssignmentExplanationResponse
{
    public required string RuleId { get; init; }

    public required string RuleName { get; init; }

    /// <summary>round-robin, least-loaded, most-available, weighted or sticky.</summary>
    public required string Strategy { get; init; }

    /// <summary>The lead had waited long enough for the rule's optional skills to be dropped.</summary>
    public bool OptionalSkillsDropped { get; init; }

    /// <summary>Reps considered (all reps).</summary>
    public int Considered { get; init; }

    /// <summary>Reps eligible.</summary>
    public int Eligible { get; init; }

    /// <summary>The first 20 reps left out, with the reason.</summary>
    public IReadOnlyList<ExcludedRepResponse> Excluded { get; init; } = [];

    /// <summary>How many reps were left out for each reason: not-in-team, missing-skill, inactive, away, offline, outside-working-hours, full, fairness-cap.</summary>
    public IReadOnlyDictionary<string, int> ExcludedByReason { get; init; } = new Dictionary<string, int>();

    /// <summary>The chosen rep's numbers at the decision; null while the lead waits.</summary>
    public WinnerResponse? Winner { get; init; }

    public string? Note { get; init; }

    /// <summary>When the decision was made (UTC).</summary>
    public DateTimeOffset DecidedAt { get; init; }
}

/// <summary>A rep left out of a decision.</summary>
public sealed record ExcludedRepResponse
{
    public required string RepId { get; init; }

    /// <summary>not-in-team, missing-skill, inactive, away, offline, outside-working-hours, full or fairness-cap.</summary>
    public required string Reason { get; init; }

    public string? Detail { get; init; }
}

/// <summary>The chosen rep's numbers when chosen.</summary>
public sealed record WinnerResponse
{
    public required string RepId { get; init; }

    /// <summary>Capacity units the rep had taken before this lead.</summary>
    public int LoadBefore { get; init; }

    public int Capacity { get; init; }

    public int Weight { get; init; }

    /// <summary>The rep's credit before paying for the lead (weighted rules).</summary>
    public long? Credit { get; init; }
}

/// <summary>Body of <c>PUT /api/assignment/teams/{id}</c>: a team, its lead and its manager (both reps; SLA escalations go to them).</summary>
public sealed record TeamRequest
{
    /// <summary>Display name (required).</summary>
    public string? Name { get; init; }

    /// <summary>The team lead's rep id (optional).</summary>
    public string? LeadRepId { get; init; }

    /// <summary>The manager's rep id (optional).</summary>
    public string? ManagerRepId { get; init; }
}

/// <summary>A team of reps.</summary>
public sealed record TeamResponse
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? LeadRepId { get; init; }

    public string? ManagerRepId { get; init; }

    public required long Version { get; init; }
}

/// <summary>The SLA policies (<c>GET</c>/<c>PUT /api/assignment/sla-policies</c>): first contact by grade, and follow-up.</summary>
public sealed record SlaPoliciesDocument
{
    /// <summary>One first-contact policy per grade (hot, warm, cold) and one follow-up policy; absent ones have no clock.</summary>
    public IReadOnlyList<SlaPolicyDocument>? Policies { get; init; }

    /// <summary>The policies' version (responses).</summary>
    public long? Version { get; init; }
}

/// <summary>
/// One SLA policy: a target in the owner's working time, a warning at a share of it, and after the breach, optionally,
/// reassignment (once per lead), escalation to the team lead and to the manager.
/// </summary>
public sealed record SlaPolicyDocument
{
    /// <summary>first-contact (needs a grade) or follow-up (no grade: every lead).</summary>
    public string? Sla { get; init; }

    public Grade? Grade { get; init; }

    /// <summary>Working minutes from the assignment (first contact) or the last activity (follow-up), 1 to 43200.</summary>
    public int? TargetMinutes { get; init; }

    /// <summary>Warn at this share of the target, 1 to 99 (default 80).</summary>
    public int? WarningPercent { get; init; }

    /// <summary>Working minutes after the breach to give the lead to another rep (absent: never).</summary>
    public int? ReassignAfterMinutes { get; init; }

    /// <summary>Working minutes after the breach to escalate to the owner's team lead (absent: never).</summary>
    public int? EscalateAfterMinutes { get; init; }

    /// <summary>Working minutes after the breach to escalate to the manager (absent: never).</summary>
    public int? EscalateToManagerAfterMinutes { get; init; }
}

/// <summary>The state of a lead's SLA clock.</summary>
public sealed record SlaClockResponse
{
    /// <summary>first-contact or follow-up.</summary>
    public required string Sla { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the target is reached in the owner's working calendar.</summary>
    public required DateTimeOffset BreachAt { get; init; }

    /// <summary>The next step (warning, breach, reassign, escalate-team-lead, escalate-manager); null when the ladder is done.</summary>
    public string? NextStep { get; init; }

    public DateTimeOffset? NextStepAt { get; init; }

    public bool Breached { get; init; }
}

/// <summary>An entry of a lead's assignment history: assigned, sla-warning, sla-breached, reassigned, escalated, activity, closed, reopened.</summary>
public sealed record LeadHistoryResponse
{
    public required DateTimeOffset At { get; init; }

    public required string Kind { get; init; }

    public string? RepId { get; init; }

    public string? Detail { get; init; }
}

/// <summary>A notification for a rep or a leader (from the SLA ladder and new hot leads).</summary>
public sealed record NotificationResponse
{
    public required string Id { get; init; }

    public required string RepId { get; init; }

    /// <summary>hot-lead, sla-warning, sla-breached, lead-reassigned, lead-escalated.</summary>
    public required string Kind { get; init; }

    public required string LeadId { get; init; }

    public required string Text { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was marked read; null while unread.</summary>
    public DateTimeOffset? ReadAt { get; init; }
}

/// <summary>One next action in a rep's work queue.</summary>
public sealed record WorkItemResponse
{
    /// <summary>1 for the first thing to do.</summary>
    public required int Rank { get; init; }

    public required string LeadId { get; init; }

    public required string ContactId { get; init; }

    /// <summary>first-contact or follow-up.</summary>
    public required string Action { get; init; }

    public required Grade Grade { get; init; }

    public required int Score { get; init; }

    /// <summary>When the action is due (the SLA target); null without a clock.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>on-track, at-risk (past the warning), breached.</summary>
    public required string SlaStatus { get; init; }

    /// <summary>Why it is where it is in the queue.</summary>
    public required string Why { get; init; }

    /// <summary>Where to record the activity that completes it (<c>POST</c>, through the gateway).</summary>
    public required string CompleteWith { get; init; }
}

/// <summary>A rep's work queue: every open lead's next action, in the order to do them, and today's count.</summary>
public sealed record WorkQueueResponse
{
    public required string RepId { get; init; }

    public required IReadOnlyList<WorkItemResponse> Items { get; init; }

    /// <summary>How many actions are due by the end of the rep's working day (their local midnight).</summary>
    public int DueToday { get; init; }
}
