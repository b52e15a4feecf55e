using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Counters;

/// <summary>Every read and write of counters, in one place so their cost is reviewable (rendered by the catalog test).</summary>
public static class CounterQueries
{
    /// <summary>Every counter of the days <paramref name="from"/> to <paramref name="to"/> (both included), by day, metric and key.</summary>
    public static Query<Counter> Period(DateOnly from, DateOnly to) =>
        CounterCollections.Counters.Find(
                Filter<Counter>.Gte(x => x.Day, Days.ToText(from))
                & Filter<Counter>.Lte(x => x.Day, Days.ToText(to)))
            .OrderBy(x => x.Day)
            .ThenBy(x => x.Metric)
            .ThenBy(x => x.Key);

    /// <summary>Adds one to <paramref name="counter"/> of <paramref name="day"/>, creating it at 1 on first use (one atomic upsert by id).</summary>
    public static WriteOperation Increment(DateOnly day, CounterKey counter) =>
        Write.Upsert(CounterCollections.Counters, Counter.Seed(day, counter), new Update<Counter>().Inc(x => x.Count, 1));
}
