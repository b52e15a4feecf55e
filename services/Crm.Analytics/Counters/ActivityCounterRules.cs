using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.Counters;

/// <summary>Daily counters of reps' activity, replies and resolved conversations (metric names; keys are rep ids or channels).</summary>
public static class ActivityMetric
{
    /// <summary>Activities of type <c>call</c> logged on leads, per owner (rep id).</summary>
    public const string RepCalls = "rep-calls";
    /// <summary>Activities of type <c>email</c>, <c>sms</c> or <c>whatsapp</c> logged on leads, per owner.</summary>
    public const string RepMessages = "rep-messages";
    /// <summary>Every activity logged on leads (follow-ups done), per owner.</summary>
    public const string RepFollowUpsDone = "rep-follow-ups-done";
    /// <summary><c>SlaBreached</c> of the <c>follow-up</c> SLA (follow-ups due and not done in time), per owner.</summary>
    public const string RepFollowUpsMissed = "rep-follow-ups-missed";
    /// <summary>Inbound messages that answer something we sent, per channel.</summary>
    public const string Replies = "replies";
    /// <summary>Conversations resolved, per channel.</summary>
    public const string Resolved = "conversations-resolved";
    /// <summary>Conversations resolved on first contact, per channel.</summary>
    public const string FirstContactResolved = "conversations-fcr";
    /// <summary>Conversations resolved, per owner (rep id; <c>unassigned</c>).</summary>
    public const string ResolvedByRep = "conversations-resolved-by-rep";
    /// <summary>Conversations resolved on first contact, per owner.</summary>
    public const string FirstContactResolvedByRep = "conversations-fcr-by-rep";

    /// <summary>The lowest and highest CSAT score.</summary>
    public const int MinCsat = 1, MaxCsat = 5;

    /// <summary>
    /// CSAT answers of score <paramref name="score"/> (1-5) recorded, per channel: <c>csat-1</c> … <c>csat-5</c>. Responses
    /// are their sum and the score sum is Σ score × count, so five counters per group hold all three (a counter only ever
    /// moves by one).
    /// </summary>
    public static string Csat(int score) => $"csat-{score}";

    /// <summary>CSAT answers of score <paramref name="score"/> recorded, per owner (rep id; <c>unassigned</c>): <c>csat-1-by-rep</c> … .</summary>
    public static string CsatByRep(int score) => $"csat-{score}-by-rep";

    public const string Unassigned = "unassigned";
}

/// <summary>Which activity counters an event moves (pure). The day is the UTC day the activity happened.</summary>
public static class RepActivityRules
{
    private static readonly HashSet<string> MessageTypes = new(["email", "sms", "whatsapp"], StringComparer.Ordinal);

    /// <summary>An activity counts for the lead's owner at the time (none without an owner): a call, a message, and always a follow-up done.</summary>
    public static CounterIncrement For(LeadActivityLogged e)
    {
        var day = CounterRules.Day(e.At == default ? e.OccurredAt : e.At);
        if (string.IsNullOrWhiteSpace(e.OwnerId))
        {
            return new(day, []);
        }

        var rep = CounterRules.Key(e.OwnerId);
        var type = e.Type?.Trim().ToLowerInvariant() ?? string.Empty;
        var counters = new List<CounterKey>();
        if (type == "call")
        {
            counters.Add(new(ActivityMetric.RepCalls, rep));
        }
        else if (MessageTypes.Contains(type))
        {
            counters.Add(new(ActivityMetric.RepMessages, rep));
        }

        counters.Add(new(ActivityMetric.RepFollowUpsDone, rep));
        return new(day, counters);
    }

    /// <summary>A breached follow-up SLA is a follow-up missed by the owner the clock ran for.</summary>
    public static CounterIncrement For(SlaBreached e) =>
        new(CounterRules.Day(e.OccurredAt), string.Equals(e.Sla?.Trim(), "follow-up", StringComparison.Ordinal) ? [new(ActivityMetric.RepFollowUpsMissed, CounterRules.Key(e.RepId))] : []);

    /// <summary>A reply (an inbound message answering something we sent) counts on its channel.</summary>
    public static CounterIncrement For(InboundMessageReceived e) =>
        new(CounterRules.Day(e.OccurredAt), e.IsReply ? [new(ActivityMetric.Replies, CounterRules.Key(e.Channel))] : []);

    /// <summary>A resolved conversation counts on its channel and owner, and as first-contact resolution when it was one.</summary>
    public static CounterIncrement For(ConversationResolved e)
    {
        if (string.IsNullOrWhiteSpace(e.ConversationId))
        {
            throw new InvalidMessageException("ConversationResolved needs a conversationId.");
        }

        var channel = CounterRules.Key(e.Channel);
        var rep = string.IsNullOrWhiteSpace(e.OwnerRepId) ? ActivityMetric.Unassigned : CounterRules.Key(e.OwnerRepId);
        var counters = new List<CounterKey> { new(ActivityMetric.Resolved, channel), new(ActivityMetric.ResolvedByRep, rep) };
        if (e.FirstContactResolution)
        {
            counters.Add(new(ActivityMetric.FirstContactResolved, channel));
            counters.Add(new(ActivityMetric.FirstContactResolvedByRep, rep));
        }

        return new(CounterRules.Day(e.OccurredAt), counters);
    }

    /// <summary>A CSAT score counts once for its score on its channel and for the conversation's owner, on the UTC day it was recorded.</summary>
    public static CounterIncrement For(ConversationCsatRecorded e)
    {
        if (string.IsNullOrWhiteSpace(e.ConversationId))
        {
            throw new InvalidMessageException("ConversationCsatRecorded needs a conversationId.");
        }

        if (e.Score is < ActivityMetric.MinCsat or > ActivityMetric.MaxCsat)
        {
            throw new InvalidMessageException($"ConversationCsatRecorded needs a score from {ActivityMetric.MinCsat} to {ActivityMetric.MaxCsat}, not {e.Score}.");
        }

        var rep = string.IsNullOrWhiteSpace(e.OwnerRepId) ? ActivityMetric.Unassigned : CounterRules.Key(e.OwnerRepId);
        return new(CounterRules.Day(e.OccurredAt), [new(ActivityMetric.Csat(e.Score), CounterRules.Key(e.Channel)), new(ActivityMetric.CsatByRep(e.Score), rep)]);
    }
}
