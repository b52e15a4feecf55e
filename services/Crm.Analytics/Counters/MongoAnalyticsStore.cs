using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;

namespace Crm.Analytics.Counters;

public sealed class MongoAnalyticsStore(MongoDb db) : IAnalyticsStore
{
    public const string Collection = "counters";

    private IMongoCollection<CounterDocument> Counters => db.Collection<CounterDocument>(Collection);

    public Task<bool> IncrementAsync(InboxKey inbox, CounterIncrement increment, CancellationToken cancellationToken = default) =>
        db.InTransactionAsync(async tx =>
        {
            if (!await tx.TryAcceptAsync(inbox, cancellationToken))
            {
                return false;
            }

            var day = Days.ToText(increment.Day);
            foreach (var counter in increment.Counters)
            {
                var id = CounterDocument.IdOf(day, counter.Metric, counter.Key);
                await Counters.UpdateOneAsync(
                    tx.Session,
                    d => d.Id == id,
                    AnalyticsMongoQueries.Increment(day, counter.Metric, counter.Key),
                    new UpdateOptions { IsUpsert = true },
                    cancellationToken);
            }

            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<DayCounter>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        var documents = await Counters
            .Find(AnalyticsMongoQueries.DaysBetween(Days.ToText(from), Days.ToText(to)))
            .Sort(AnalyticsMongoQueries.ByDayMetricKey)
            .ToListAsync(cancellationToken);
        return documents.Select(d => new DayCounter(Days.Parse(d.Day), d.Metric, d.Key, d.Count)).ToList();
    }
}

/// <summary>One counter: <c>_id</c> is <c>{day}|{metric}|{key}</c>, so the upsert finds it by id.</summary>
public sealed class CounterDocument
{
    [BsonId]
    public required string Id { get; set; }
    /// <summary>UTC day, yyyy-MM-dd (sorts as text).</summary>
    public required string Day { get; set; }
    public required string Metric { get; set; }
    public required string Key { get; set; }
    public int Count { get; set; }

    public static string IdOf(string day, string metric, string key) => $"{day}|{metric}|{key}";
}
