using Crm.Analytics.Counters;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using Xunit;

namespace Crm.Analytics.Tests;

public sealed class BsonMappingTests
{
    public BsonMappingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Counter_document_round_trips_with_camelCase_names()
    {
        var document = new CounterDocument
        {
            Id = CounterDocument.IdOf("2026-11-22", Metric.LeadsBySource, "ads"),
            Day = "2026-11-22",
            Metric = Metric.LeadsBySource,
            Key = "ads",
            Count = 7,
        };

        var bson = document.ToBsonDocument();
        var back = BsonSerializer.Deserialize<CounterDocument>(bson);

        Assert.Equal("2026-11-22|leads-by-source|ads", bson["_id"].AsString);
        Assert.Equal(document.Day, back.Day);
        Assert.Equal(document.Metric, back.Metric);
        Assert.Equal(document.Key, back.Key);
        Assert.Equal(document.Count, back.Count);
        Assert.Equal(document.Id, back.Id);
        foreach (var name in new[] { "day", "metric", "key", "count" })
        {
            Assert.True(bson.Contains(name), $"element {name}");
        }

        Assert.Equal(BsonType.Int32, bson["count"].BsonType);
    }
}
