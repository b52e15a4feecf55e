using Crm.Analytics.Counters;
using Crm.ServiceDefaults.Storage;
using MongoDB.Driver;

namespace Crm.Analytics.Storage;

/// <summary>Analytics' tables / collections: daily counters (day, metric, key) → count.</summary>
public static class AnalyticsSchema
{
    public static StorageSchema Value { get; } = new(
    [
        """
        CREATE TABLE IF NOT EXISTS counters (
            day TEXT NOT NULL,
            metric TEXT NOT NULL,
            key TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, metric, key)) WITHOUT ROWID
        """,
    ], CreateMongoIndexesAsync);

    private static async Task CreateMongoIndexesAsync(IMongoDatabase database, CancellationToken cancellationToken)
    {
        await database.GetCollection<CounterDocument>(MongoAnalyticsStore.Collection).Indexes.CreateOneAsync(
            new CreateIndexModel<CounterDocument>(
                Builders<CounterDocument>.IndexKeys.Ascending(d => d.Day).Ascending(d => d.Metric).Ascending(d => d.Key),
                new CreateIndexOptions { Name = "day" }),
            cancellationToken: cancellationToken);
    }
}
