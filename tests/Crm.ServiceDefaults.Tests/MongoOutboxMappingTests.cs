using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// What the MongoDB outbox, inbox and idempotency collections store and ask, checked without a server: BSON round
/// trips of the documents and the rendered claim query (a translation the driver could not do would throw here).
/// </summary>
public sealed class MongoOutboxMappingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, 123, TimeSpan.Zero);

    public MongoOutboxMappingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void The_claim_query_asks_for_unsent_records_without_a_live_lease()
    {
        var rendered = Render(MongoOutboxStore.Claimable(Now));

        Assert.Equal(
            BsonDocument.Parse("""{ "$and": [ { "sentAt": null }, { "$or": [ { "leaseUntil": null }, { "leaseUntil": { "$lt": { "$date": "2026-11-22T12:00:00.123Z" } } } ] } ] }"""),
            rendered);
    }

    [Fact]
    public void Leasing_and_marking_sent_set_the_camel_case_fields()
    {
        var serializer = BsonSerializer.LookupSerializer<MongoOutboxDocument>();
        var args = new RenderArgs<MongoOutboxDocument>(serializer, BsonSerializer.SerializerRegistry);

        Assert.Equal(
            BsonDocument.Parse("""{ "$set": { "leaseOwner": "r1", "leaseUntil": { "$date": "2026-11-22T12:00:00.123Z" } }, "$inc": { "attempts": 1 } }"""),
            MongoOutboxStore.Lease("r1", Now).Render(args).AsBsonDocument);
        Assert.Equal(
            BsonDocument.Parse("""{ "$set": { "sentAt": { "$date": "2026-11-22T12:00:00.123Z" }, "leaseOwner": null, "leaseUntil": null } }"""),
            MongoOutboxStore.Sent(Now).Render(args).AsBsonDocument);
        Assert.Equal(BsonDocument.Parse("""{ "_id": 1 }"""), MongoOutboxStore.Oldest.Render(args));
    }

    [Fact]
    public void Outbox_inbox_and_idempotency_documents_round_trip()
    {
        var outbox = new MongoOutboxDocument { Id = "o1", Type = "Crm.Contracts.Leads.LeadCaptured", Body = "{}", CreatedAt = Now, SentAt = Now, LeaseOwner = "r1", LeaseUntil = Now, Attempts = 2 };
        var inbox = new MongoInboxDocument { Id = "C:m1", Consumer = "C", MessageId = "m1", ReceivedAt = Now };
        var idempotency = new MongoIdempotencyDocument { Id = "s:k", Scope = "s", Key = "k", RequestHash = "h", StatusCode = 201, Location = "/x", Body = "{}", CreatedAt = Now };

        var outboxBson = outbox.ToBsonDocument();
        Assert.Equal("o1", outboxBson["_id"].AsString);
        Assert.True(outboxBson.Contains("leaseUntil"));
        Assert.Equal(BsonType.DateTime, outboxBson["createdAt"].BsonType);
        Assert.Equivalent(outbox, BsonSerializer.Deserialize<MongoOutboxDocument>(outboxBson));
        Assert.Equivalent(inbox, BsonSerializer.Deserialize<MongoInboxDocument>(inbox.ToBsonDocument()));
        Assert.Equivalent(idempotency, BsonSerializer.Deserialize<MongoIdempotencyDocument>(idempotency.ToBsonDocument()));
    }

    private static BsonDocument Render(FilterDefinition<MongoOutboxDocument> filter) =>
        filter.Render(new RenderArgs<MongoOutboxDocument>(BsonSerializer.LookupSerializer<MongoOutboxDocument>(), BsonSerializer.SerializerRegistry));
}
