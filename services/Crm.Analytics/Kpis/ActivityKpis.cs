using Crm.Analytics.Counters;
using Crm.Analytics.MessageFacts;

namespace Crm.Analytics.Kpis;

/// <summary>The KPIs of daily counters and message facts (pure): rep activity, messages and service.</summary>
public static class ActivityKpis
{
    private static decimal Sum(IEnumerable<DayCounter> counters, string metric) => counters.Where(c => c.Metric == metric).Sum(c => c.Count);

    /// <summary>
    /// Per rep (the lead's owner) and day: calls and messages logged, follow-ups done (every activity logged), missed
    /// (follow-up SLA breaches), due = done + missed, followUpRate = done / due × 100.
    /// </summary>
    public static KpiTable RepActivity(KpiQuery query, IEnumerable<DayCounter> counters)
    {
        string[] metrics = [ActivityMetric.RepCalls, ActivityMetric.RepMessages, ActivityMetric.RepFollowUpsDone, ActivityMetric.RepFollowUpsMissed];
        return KpiMath.Table(query, ["calls", "messages", "followUpsDone", "followUpsMissed", "followUpsDue", "followUpRate"], counters.Where(c => metrics.Contains(c.Metric) && c.Count != 0), c => c.Day, c => query.GroupBy is null ? KpiMath.All : c.Key, list =>
        {
            var done = Sum(list, ActivityMetric.RepFollowUpsDone);
            var missed = Sum(list, ActivityMetric.RepFollowUpsMissed);
            return new KpiValues
            {
                ["calls"] = Sum(list, ActivityMetric.RepCalls),
                ["messages"] = Sum(list, ActivityMetric.RepMessages),
                ["followUpsDone"] = done,
                ["followUpsMissed"] = missed,
                ["followUpsDue"] = done + missed,
                ["followUpRate"] = KpiMath.Rate(done, done + missed),
            };
        });
    }

    /// <summary>
    /// Conversations resolved (by day resolved), those resolved on first contact, and fcrRate = first-contact / resolved × 100;
    /// CSAT scores recorded (by day recorded): csatResponses, csatAverage = score sum / responses, csatSatisfiedRate =
    /// scores 4-5 / responses × 100, and csat:1 … csat:5 the count of each score. By channel or owner.
    /// </summary>
    public static KpiTable Service(KpiQuery query, IEnumerable<DayCounter> counters)
    {
        var byRep = query.GroupBy == "rep";
        var (resolved, fcr) = byRep
            ? (ActivityMetric.ResolvedByRep, ActivityMetric.FirstContactResolvedByRep)
            : (ActivityMetric.Resolved, ActivityMetric.FirstContactResolved);
        var scores = Enumerable.Range(ActivityMetric.MinCsat, ActivityMetric.MaxCsat - ActivityMetric.MinCsat + 1).ToArray();
        var csat = scores.ToDictionary(s => byRep ? ActivityMetric.CsatByRep(s) : ActivityMetric.Csat(s), s => s, StringComparer.Ordinal);
        string[] columns = ["resolved", "firstContactResolved", "fcrRate", "csatResponses", "csatAverage", "csatSatisfiedRate", .. scores.Select(CsatColumn)];
        return KpiMath.Table(query, columns, counters.Where(c => (c.Metric == resolved || c.Metric == fcr || csat.ContainsKey(c.Metric)) && c.Count != 0), c => c.Day, c => query.GroupBy is null ? KpiMath.All : c.Key, list =>
        {
            var all = Sum(list, resolved);
            var first = Sum(list, fcr);
            var counts = csat.ToDictionary(m => m.Value, m => Sum(list, m.Key));
            var responses = counts.Values.Sum();
            var values = new KpiValues
            {
                ["resolved"] = all,
                ["firstContactResolved"] = first,
                ["fcrRate"] = KpiMath.Rate(first, all),
                ["csatResponses"] = responses,
                ["csatAverage"] = KpiMath.Ratio(counts.Sum(c => c.Key * c.Value), responses),
                ["csatSatisfiedRate"] = KpiMath.Rate(counts.Where(c => c.Key >= SatisfiedFrom).Sum(c => c.Value), responses),
            };
            foreach (var (score, count) in counts)
            {
                values[CsatColumn(score)] = count;
            }

            return values;
        });
    }

    /// <summary>The lowest score that counts as satisfied (4 and 5 of 1-5).</summary>
    public const int SatisfiedFrom = 4;

    private static string CsatColumn(int score) => $"csat:{score}";

    private sealed record MessageItem(DateOnly Day, string Channel, MessageFact? Message, int Replies);

    /// <summary>
    /// Messages sent in the period (by day sent; delivered = a delivery or read report, failed = a failure report, whenever
    /// it came), deliveryRate = delivered / sent × 100; replies = inbound replies received that day; replyRate = replies /
    /// sent × 100. By channel.
    /// </summary>
    public static KpiTable Messages(KpiQuery query, IEnumerable<MessageFact> sent, IEnumerable<DayCounter> counters)
    {
        var items = sent.Where(m => m.SentAt is not null)
            .Select(m => new MessageItem(KpiMath.Day(m.SentAt!.Value), m.Channel ?? CounterRules.Key(null), m, 0))
            .Concat(counters.Where(c => c.Metric == ActivityMetric.Replies && c.Count != 0).Select(c => new MessageItem(c.Day, c.Key, null, c.Count)));
        return KpiMath.Table(query, ["sent", "delivered", "failed", "deliveryRate", "replies", "replyRate"], items, i => i.Day, i => query.GroupBy is null ? KpiMath.All : i.Channel, list =>
        {
            var messages = list.Where(i => i.Message is not null).Select(i => i.Message!).ToList();
            var delivered = messages.Count(m => m.DeliveredAt is not null);
            var replies = list.Sum(i => i.Replies);
            return new KpiValues
            {
                ["sent"] = messages.Count,
                ["delivered"] = delivered,
                ["failed"] = messages.Count(m => m.FailedAt is not null),
                ["deliveryRate"] = KpiMath.Rate(delivered, messages.Count),
                ["replies"] = replies,
                ["replyRate"] = KpiMath.Rate(replies, messages.Count),
            };
        });
    }
}
