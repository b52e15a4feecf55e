using Crm.Contracts.Api.Analytics;

namespace Crm.Analytics.Live;

/// <summary>Turns stored per-minute counts into the live rate of the last hour (pure).</summary>
public static class LiveRate
{
    /// <summary>Minutes in the window: the running one and the 59 before it.</summary>
    public const int WindowMinutes = 60;

    /// <summary>The first minute of the window that ends with the minute of <paramref name="now"/>.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset now) => LeadMinute.MinuteOf(now).AddMinutes(-(WindowMinutes - 1));

    public static LiveLeadRate Build(DateTimeOffset now, IEnumerable<LeadMinute> stored)
    {
        var current = LeadMinute.MinuteOf(now);
        var counts = stored
            .GroupBy(m => m.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Count), StringComparer.Ordinal);
        var minutes = Enumerable.Range(0, WindowMinutes)
            .Select(i => WindowStart(now).AddMinutes(i))
            .Select(minute => new MinuteCount { Minute = minute, Count = counts.GetValueOrDefault(LeadMinute.IdOf(minute)) })
            .ToList();
        var lastMinute = counts.GetValueOrDefault(LeadMinute.IdOf(current.AddMinutes(-1)));
        return new LiveLeadRate
        {
            At = now.ToUniversalTime(),
            CurrentMinute = counts.GetValueOrDefault(LeadMinute.IdOf(current)),
            LastMinute = lastMinute,
            PerSecond = Math.Round(lastMinute / 60.0, 3),
            LastHour = minutes.Sum(m => m.Count),
            Minutes = minutes,
        };
    }
}
