using MongoDB.Driver;

namespace Crm.Analytics.Counters;

/// <summary>The filters, updates and sorts of <see cref="MongoAnalyticsStore"/> (rendered to BSON in the tests).</summary>
internal static class AnalyticsMongoQueries
{
    /// <summary>Upsert by id: creates the counter with its parts on first use, then counts.</summary>
    public static UpdateDefinition<CounterDocument> Increment(string day, string metric, string key) =>
        Builders<CounterDocument>.Update
            .SetOnInsert(d => d.Day, day)
            .SetOnInsert(d => d.Metric, metric)
            .SetOnInsert(d => d.Key, key)
            .Inc(d => d.Count, 1);

    /// <summary>Days <paramref name="from"/> to <paramref name="to"/> inclusive (yyyy-MM-dd text sorts like the dates).</summary>
    public static FilterDefinition<CounterDocument> DaysBetween(string from, string to)
    {
        var f = Builders<CounterDocument>.Filter;
        return f.Gte(d => d.Day, from) & f.Lte(d => d.Day, to);
    }

    public static readonly SortDefinition<CounterDocument> ByDayMetricKey =
        Builders<CounterDocument>.Sort.Ascending(d => d.Day).Ascending(d => d.Metric).Ascending(d => d.Key);
}
