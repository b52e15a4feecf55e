using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.Counters;

/// <summary>One counter's value on one UTC day.</summary>
public sealed record DayCounter(DateOnly Day, string Metric, string Key, int Count);

/// <summary>Daily counters built from events, with the inbox beside them.</summary>
public interface IAnalyticsStore
{
    /// <summary>
    /// Adds one to each counter of <paramref name="increment"/> (creating it at 1) and records <paramref name="inbox"/>,
    /// in one transaction. False, and nothing changed, when the inbox already had the key.
    /// </summary>
    Task<bool> IncrementAsync(InboxKey inbox, CounterIncrement increment, CancellationToken cancellationToken = default);

    /// <summary>Every counter of the days <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    Task<IReadOnlyList<DayCounter>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default);
}

internal static class Days
{
    public const string Format = "yyyy-MM-dd";

    public static string ToText(DateOnly day) => day.ToString(Format, System.Globalization.CultureInfo.InvariantCulture);

    public static DateOnly Parse(string text) => DateOnly.ParseExact(text, Format, System.Globalization.CultureInfo.InvariantCulture);
}
