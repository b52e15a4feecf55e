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

/// <summary>How fresh the read model a KPI was computed from is.</summary>
public sealed record KpiWatermark
{
    /// <summary>The read model: <c>lead-facts</c>, <c>customers</c>, <c>message-facts</c> or <c>counters</c>.</summary>
    public required string ReadModel { get; init; }

    /// <summary>The latest <c>occurredAt</c> among the events the read model applied (UTC); null before its first event.</summary>
    public DateTimeOffset? AppliedUpTo { get; init; }

    /// <summary>Seconds between that event happening and the read model applying it (null before its first event).</summary>
    public double? LagSeconds { get; init; }
}

/// <summary>One row of a KPI table: a period, a group and the KPI's values.</summary>
public sealed record KpiRow
{
    /// <summary>First UTC day of the period (day, week from Monday, or month), yyyy-MM-dd.</summary>
    public required string Period { get; init; }

    /// <summary>The group's value (a channel, source, campaign, rep or team id, or a segment id; <c>all</c> without <c>groupBy</c>).</summary>
    public required string Group { get; init; }

    /// <summary>The values by name (numbers; null when not defined, e.g. a rate of nothing).</summary>
    public required IReadOnlyDictionary<string, decimal?> Values { get; init; }
}

/// <summary>The values of a KPI over the whole period and every group.</summary>
public sealed record KpiTotals
{
    /// <summary>The values by name, computed from the facts (not summed from the rows).</summary>
    public required IReadOnlyDictionary<string, decimal?> Values { get; init; }
}

/// <summary><c>GET /api/analytics/kpis/{kpi}</c>: one shape for every KPI.</summary>
public sealed record KpiResponse
{
    /// <summary>The KPI (the path segment).</summary>
    public required string Kpi { get; init; }

    /// <summary>First UTC day, yyyy-MM-dd.</summary>
    public required string From { get; init; }

    /// <summary>Last UTC day (included), yyyy-MM-dd.</summary>
    public required string To { get; init; }

    /// <summary><c>day</c>, <c>week</c> or <c>month</c>.</summary>
    public required string Granularity { get; init; }

    /// <summary>channel, source, campaign, rep or team; null when not grouped.</summary>
    public string? GroupBy { get; init; }

    /// <summary>How fresh the numbers are.</summary>
    public required KpiWatermark Watermark { get; init; }

    /// <summary><c>period</c>, <c>group</c>, then the names of the values in order.</summary>
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>One row per period and group with data, by period then group.</summary>
    public required IReadOnlyList<KpiRow> Rows { get; init; }

    /// <summary>The values over the whole period.</summary>
    public required KpiTotals Totals { get; init; }
}

/// <summary><c>PUT /api/analytics/spend</c>: the acquisition spend of one channel or one campaign in one month (replaces what was entered before).</summary>
public sealed record SpendRequest
{
    /// <summary>The channel the money was spent on (lower-case); give this or <see cref="Campaign"/>.</summary>
    public string? Channel { get; init; }

    /// <summary>The campaign the money was spent on; give this or <see cref="Channel"/>.</summary>
    public string? Campaign { get; init; }

    /// <summary>The calendar month, yyyy-MM.</summary>
    public string? Period { get; init; }

    /// <summary>The amount spent.</summary>
    public Money? Amount { get; init; }
}

/// <summary>The spend of one channel or campaign in one month, as stored.</summary>
public sealed record SpendResponse
{
    /// <summary><c>channel</c> or <c>campaign</c>.</summary>
    public required string Dimension { get; init; }

    /// <summary>The channel or campaign.</summary>
    public required string Key { get; init; }

    /// <summary>The calendar month, yyyy-MM.</summary>
    public required string Period { get; init; }

    /// <summary>The amount spent.</summary>
    public required Money Amount { get; init; }

    /// <summary>When it was entered (UTC).</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
