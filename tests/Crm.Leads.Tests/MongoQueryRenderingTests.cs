using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>
/// The store's filters and updates rendered to BSON without a server: a wrong element name, an expression the
/// driver cannot translate or a comparison that means something else fails here.
/// </summary>
public sealed class MongoQueryRenderingTests
{
    public MongoQueryRenderingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Lead_at_version()
    {
        var rendered = Render(LeadsMongoQueries.LeadAtVersion("l1", 3));

        Assert.Equal(BsonDocument.Parse("{ _id: 'l1', version: NumberLong(3) }"), rendered);
    }

    [Fact]
    public void Set_owner_bumps_the_version()
    {
        var assignedAt = new DateTimeOffset(2026, 11, 22, 12, 30, 15, 123, TimeSpan.Zero);

        var rendered = Render(LeadsMongoQueries.SetOwner("r1", "Rita", assignedAt));

        Assert.Equal(
            BsonDocument.Parse("""
                { $set: { ownerId: 'r1', ownerName: 'Rita', assignedAt: ISODate('2026-11-22T12:30:15.123Z') },
                  $inc: { version: NumberLong(1) } }
                """),
            rendered);
    }

    private static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>());

    private static BsonDocument Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).AsBsonDocument;
}
