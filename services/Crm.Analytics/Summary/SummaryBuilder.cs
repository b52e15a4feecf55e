using Crm.Analytics.Counters;
using Crm.Contracts.Api.Analytics;

namespace Crm.Analytics.Summary;

/// <summary>Turns daily counters into the summary of a period: totals, and one entry per day with data (pure).</summary>
public static class SummaryBuilder
{
    public static SummaryResponse Build(SummaryPeriod period, IEnumerable<DayCounter> counters)
    {
        var inPeriod = counters.Where(c => c.Day >= period.From && c.Day <= period.To && c.Count != 0).ToList();
        return new SummaryResponse
        {
            From = Days.ToText(period.From),
            To = Days.ToText(period.To),
            Totals = Sum(inPeriod),
            Days = inPeriod
                .GroupBy(c => c.Day)
                .OrderBy(g => g.Key)
                .Select(g => new DayCounts { Date = Days.ToText(g.Key), Counts = Sum(g) })
                .ToList(),
        };
    }

    private static Counts Sum(IEnumerable<DayCounter> counters)
    {
        var list = counters as IReadOnlyCollection<DayCounter> ?? counters.ToList();
        return new Counts
        {
            LeadsCaptured = Total(list, Metric.LeadsCaptured),
            LeadsBySource = ByKey(list, Metric.LeadsBySource),
            LeadsByChannel = ByKey(list, Metric.LeadsByChannel),
            ScoredByGrade = ByKey(list, Metric.ScoredByGrade),
            LeadsAssigned = Total(list, Metric.LeadsAssigned),
            MessagesSent = Total(list, Metric.MessagesSent),
        };
    }

    private static int Total(IEnumerable<DayCounter> counters, string metric) =>
        counters.Where(c => c.Metric == metric).Sum(c => c.Count);

    private static Dictionary<string, int> ByKey(IEnumerable<DayCounter> counters, string metric) =>
        counters
            .Where(c => c.Metric == metric)
            .GroupBy(c => c.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Count), StringComparer.Ordinal);
}
