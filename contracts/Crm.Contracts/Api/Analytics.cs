namespace Crm.Contracts.Api.Analytics;

/// <summary>Counts for one UTC day, or for a whole period.</summary>
public sealed record Counts
{
    /// <summary>Leads captured.</summary>
    public int LeadsCaptured { get; init; }

    /// <summary>Leads captured per <c>source</c>.</summary>
    public IReadOnlyDictionary<string, int> LeadsBySource { get; init; } = new Dictionary<string, int>();

    /// <summary>Leads captured per channel (lower-case channel name).</summary>
    public IReadOnlyDictionary<string, int> LeadsByChannel { get; init; } = new Dictionary<string, int>();

    /// <summary>Leads scored per grade (cold, warm, hot).</summary>
    public IReadOnlyDictionary<string, int> ScoredByGrade { get; init; } = new Dictionary<string, int>();

    /// <summary>Leads assigned to a rep.</summary>
    public int LeadsAssigned { get; init; }

    /// <summary>Messages sent (welcome e-mails...).</summary>
    public int MessagesSent { get; init; }
}

/// <summary>The counts of one UTC day.</summary>
public sealed record DayCounts
{
    /// <summary>UTC day, yyyy-MM-dd.</summary>
    public required string Date { get; init; }

    /// <summary>What happened that day.</summary>
    public required Counts Counts { get; init; }
}

/// <summary><c>GET /api/analytics/summary?from=yyyy-MM-dd&amp;to=yyyy-MM-dd</c>.</summary>
public sealed record SummaryResponse
{
    /// <summary>First UTC day of the period, yyyy-MM-dd.</summary>
    public required string From { get; init; }

    /// <summary>Last UTC day of the period (included), yyyy-MM-dd.</summary>
    public required string To { get; init; }

    /// <summary>The sums over the period.</summary>
    public required Counts Totals { get; init; }

    /// <summary>Days of the period with any counts.</summary>
    public IReadOnlyList<DayCounts> Days { get; init; } = [];
}
