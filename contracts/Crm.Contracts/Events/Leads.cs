namespace Crm.Contracts.Leads;

/// <summary>A lead was captured and stored. Channel is lower-case (web, ads, whatsapp, sms, email, phone).</summary>
public sealed record LeadCaptured
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string LeadId { get; init; }
    public required string ContactId { get; init; }
    public required string Source { get; init; }
    public required string Channel { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
}

/// <summary>One line of a score's explanation.</summary>
public sealed record ScoreReason
{
    public required string Rule { get; init; }
    public required int Points { get; init; }
    public required string Detail { get; init; }
}

/// <summary>A lead's score was computed. Grade is lower-case: cold, warm or hot.</summary>
public sealed record LeadScored
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string LeadId { get; init; }
    public required string ContactId { get; init; }
    public required int Score { get; init; }
    public required string Grade { get; init; }
    public int? PreviousScore { get; init; }
    public string? PreviousGrade { get; init; }
    public IReadOnlyList<ScoreReason> Reasons { get; init; } = [];
    public string? Source { get; init; }
    public string? Channel { get; init; }
}
