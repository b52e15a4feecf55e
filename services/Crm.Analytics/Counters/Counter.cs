using System.Globalization;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Counters;

/// <summary>
/// One counter of one UTC day (a document of <c>counters</c>): its id is <c>{day}|{metric}|{key}</c>, so an event
/// finds the counter it moves by id and creates it on first use (an upsert). Only atomic increments change it,
/// never a whole-document replace, so <see cref="Version"/> stays 1: concurrent increments cannot lose each other.
/// </summary>
public sealed record Counter : IDocument
{
    public required string Id { get; init; }
    /// <summary>UTC day as yyyy-MM-dd (sorts as text like the dates).</summary>
    public required string Day { get; init; }
    public required string Metric { get; init; }
    /// <summary>The breakdown value within <see cref="Metric"/>; empty for plain totals.</summary>
    public required string Key { get; init; }
    public int Count { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(DateOnly day, CounterKey counter) => $"{Days.ToText(day)}|{counter.Metric}|{counter.Key}";

    /// <summary>The counter before its first event: what an increment inserts (with the increment applied) when it is new.</summary>
    public static Counter Seed(DateOnly day, CounterKey counter) => new()
    {
        Id = IdOf(day, counter),
        Day = Days.ToText(day),
        Metric = counter.Metric,
        Key = counter.Key,
        Count = 0,
    };

    public DayCounter ToDayCounter() => new(Days.Parse(Day), Metric, Key, Count);
}

/// <summary>One counter's value on one UTC day, as the summary reads it.</summary>
public sealed record DayCounter(DateOnly Day, string Metric, string Key, int Count);

/// <summary>Days as counters store them: yyyy-MM-dd.</summary>
internal static class Days
{
    public const string Format = "yyyy-MM-dd";

    public static string ToText(DateOnly day) => day.ToString(Format, CultureInfo.InvariantCulture);

    public static DateOnly Parse(string text) => DateOnly.ParseExact(text, Format, CultureInfo.InvariantCulture);
}
