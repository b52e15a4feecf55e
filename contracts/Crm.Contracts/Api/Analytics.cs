namespace Crm.Contracts.Api.Analytics;

/// <summary>Counts for one UTC day, or for a whole period.</summary>
public sealed record Counts
{
    public int LeadsCaptured { get; init; }
    public IReadOnlyDictionary<string, int> LeadsBySource { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, int> LeadsByChannel { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, int> ScoredByGrade { get; init; } = new Dictionary<string, int>();
    public int LeadsAssigned { get; init; }
    public int MessagesSent { get; init; }
}

public sealed record DayCounts
{
    /// <summary>UTC day, yyyy-MM-dd.</summary>
    public required string Date { get; init; }
    public required Counts Counts { get; init; }
}

/// <summary><c>GET /api/analytics/summary?from=yyyy-MM-dd&amp;to=yyyy-MM-dd</c>.</summary>
public sealed record SummaryResponse
{
    public required string From { get; init; }
    public required string To { get; init; }
    public required Counts Totals { get; init; }
    public IReadOnlyList<DayCounts> Days { get; init; } = [];
}
