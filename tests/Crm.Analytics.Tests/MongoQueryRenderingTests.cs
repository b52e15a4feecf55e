using Crm.Analytics.Counters;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// The store's filters, updates and sorts rendered to BSON without a server: a wrong element name, an expression
/// the driver cannot translate or a comparison that means something else fails here.
/// </summary>
public sealed class MongoQueryRenderingTests
{
    public MongoQueryRenderingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Increment_sets_the_parts_on_insert_and_counts()
    {
        var rendered = Render(AnalyticsMongoQueries.Increment("2026-11-22", "leads_captured", "web"));

        Assert.Equal(
            BsonDocument.Parse("{ $setOnInsert: { day: '2026-11-22', metric: 'leads_captured', key: 'web' }, $inc: { count: 1 } }"),
            rendered);
    }

    [Fact]
    public void Days_between_is_inclusive_on_the_day_text()
    {
        var rendered = Render(AnalyticsMongoQueries.DaysBetween("2026-11-01", "2026-11-30"));

        Assert.Equal(BsonDocument.Parse("{ day: { $gte: '2026-11-01', $lte: '2026-11-30' } }"), rendered);
    }

    [Fact]
    public void Sorted_by_day_metric_key()
    {
        Assert.Equal(BsonDocument.Parse("{ day: 1, metric: 1, key: 1 }"), Render(AnalyticsMongoQueries.ByDayMetricKey));
    }

    private static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>());

    private static BsonDocument Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).AsBsonDocument;

    private static BsonDocument Render<T>(SortDefinition<T> sort) => sort.Render(Args<T>());
}
