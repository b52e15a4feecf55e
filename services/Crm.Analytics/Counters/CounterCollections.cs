using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Counters;

/// <summary>The Analytics store's own collection (the platform adds outbox, inbox, idempotency and timers).</summary>
public static class CounterCollections
{
    /// <summary>
    /// Daily counters. Events find theirs by id; the summary reads a period sorted by day, metric and key, which
    /// <c>day_metric_key</c> serves (the id closes it: the layer ends every sort with the id, so the index does too).
    /// </summary>
    public static readonly DocumentCollection<Counter> Counters = new DocumentCollection<Counter>("counters")
        .Index("day_metric_key", i => i.Asc(x => x.Day).Asc(x => x.Metric).Asc(x => x.Key).Asc(x => x.Id));
}
