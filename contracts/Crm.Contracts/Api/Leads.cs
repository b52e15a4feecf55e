namespace Crm.Contracts.Api.Leads;

/// <summary>Body of <c>POST /api/leads</c>. At least one of e-mail and phone is required.</summary>
public sealed record CaptureLeadRequest
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    /// <summary>Any common format; normalised to E.164 with the platform's default region.</summary>
    public string? Phone { get; init; }
    /// <summary>Where the lead came from (landing page, campaign, partner). Required, at most 100 characters.</summary>
    public string? Source { get; init; }
    public Channel? Channel { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
    /// <summary>Free fields (interest, budget, utm_campaign...), at most 50, values at most 1000 characters.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

public sealed record ScoreLine
{
    public required string Rule { get; init; }
    public required int Points { get; init; }
    public required string Detail { get; init; }
}

public sealed record LeadResponse
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public required string Source { get; init; }
    public required Channel Channel { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    public required int Score { get; init; }
    public required Grade Grade { get; init; }
    public IReadOnlyList<ScoreLine> ScoreBreakdown { get; init; } = [];
    public string? OwnerId { get; init; }
    public string? OwnerName { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    public required DateTimeOffset CapturedAt { get; init; }
    public required long Version { get; init; }
}
