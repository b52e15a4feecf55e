using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.Counters;

/// <summary>The counters Analytics keeps per UTC day: a metric, and a key within it (empty for plain totals).</summary>
public static class Metric
{
    public const string LeadsCaptured = "leads-captured";
    public const string LeadsBySource = "leads-by-source";
    public const string LeadsByChannel = "leads-by-channel";
    public const string ScoredByGrade = "scored-by-grade";
    public const string LeadsAssigned = "leads-assigned";
    public const string MessagesSent = "messages-sent";

    /// <summary>Key of a metric that is a plain total.</summary>
    public const string Total = "";

    /// <summary>Key used when an event lacks the value a breakdown needs.</summary>
    public const string Unknown = "unknown";
}

public readonly record struct CounterKey(string Metric, string Key);

/// <summary>Counters to add one to, on one UTC day.</summary>
public sealed record CounterIncrement(DateOnly Day, IReadOnlyList<CounterKey> Counters);

/// <summary>Which counters an event moves (pure: no I/O). The day is the UTC day of the event's <c>OccurredAt</c>.</summary>
public static class CounterRules
{
    public const int MaxKeyLength = 100;

    public static CounterIncrement For(LeadCaptured e) => new(Day(e.OccurredAt),
    [
        new(Metric.LeadsCaptured, Metric.Total),
        new(Metric.LeadsBySource, Key(e.Source)),
        new(Metric.LeadsByChannel, Key(e.Channel)),
    ]);

    /// <summary>Whether the event is a lead's first score (its capture), not a later rescore.</summary>
    public static bool IsFirstScore(LeadScored e) => e.PreviousScore is null && e.PreviousGrade is null;

    public static CounterIncrement For(LeadScored e) => new(Day(e.OccurredAt), [new(Metric.ScoredByGrade, Key(e.Grade))]);

    /// <summary>An assignment names its lead and its rep, or it is not one (as Leads and Messaging refuse it too).</summary>
    public static CounterIncrement For(LeadAssigned e) =>
        string.IsNullOrWhiteSpace(e.LeadId) || string.IsNullOrWhiteSpace(e.RepId)
            ? throw new InvalidMessageException("LeadAssigned needs a leadId and a repId.")
            : new(Day(e.OccurredAt), e.PreviousRepId is null ? [new(Metric.LeadsAssigned, Metric.Total)] : []);

    public static CounterIncrement For(MessageSent e) => new(Day(e.OccurredAt), [new(Metric.MessagesSent, Metric.Total)]);

    /// <summary>The UTC calendar day of <paramref name="occurredAt"/>; an event without a time can never be counted.</summary>
    public static DateOnly Day(DateTimeOffset occurredAt) =>
        occurredAt == default
            ? throw new InvalidMessageException("The event has no OccurredAt.")
            : DateOnly.FromDateTime(occurredAt.UtcDateTime);

    /// <summary>A breakdown key: trimmed, at most <see cref="MaxKeyLength"/> characters, <c>unknown</c> when blank.</summary>
    public static string Key(string? value)
    {
        var key = value?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            return Metric.Unknown;
        }

        return key.Length > MaxKeyLength ? key[..MaxKeyLength] : key;
    }
}
