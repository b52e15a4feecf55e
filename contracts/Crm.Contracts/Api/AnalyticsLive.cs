namespace Crm.Contracts.Api.Analytics;

/// <summary>
/// One event of <c>GET /api/analytics/live</c> (server-sent event <c>rate</c>): leads captured per minute over the last
/// hour, from the platform's stored per-minute counts (every Analytics replica reads the same figures).
/// </summary>
public sealed record LiveLeadRate
{
    /// <summary>When the figures were read (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Leads captured in the UTC minute running now (so far).</summary>
    public int CurrentMinute { get; init; }

    /// <summary>Leads captured in the last complete minute.</summary>
    public int LastMinute { get; init; }

    /// <summary>Leads per second over the last complete minute (<see cref="LastMinute"/> / 60).</summary>
    public double PerSecond { get; init; }

    /// <summary>Leads captured in the last 60 minutes, the running one included.</summary>
    public int LastHour { get; init; }

    /// <summary>The 60 minutes up to the running one, oldest first, each with its count (0 when none).</summary>
    public IReadOnlyList<MinuteCount> Minutes { get; init; } = [];
}

/// <summary>Leads captured in one UTC minute.</summary>
public sealed record MinuteCount
{
    /// <summary>Start of the minute (UTC).</summary>
    public required DateTimeOffset Minute { get; init; }

    /// <summary>Leads captured in it.</summary>
    public int Count { get; init; }
}
