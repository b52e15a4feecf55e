using Crm.Contracts.Audit;

namespace Crm.Contracts.Leads;

/// <summary>A lead was captured and stored. Channel is lower-case (web, ads, whatsapp, sms, email, phone).</summary>
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
}
