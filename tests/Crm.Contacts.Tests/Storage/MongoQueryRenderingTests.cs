using Crm.Contacts.Contacts;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.Contacts.Tests.Storage;

/// <summary>
/// The store's filters, updates and sorts rendered to BSON without a server: a wrong element name, an expression
/// the driver cannot translate or a comparison that means something else fails here.
/// </summary>
public sealed class MongoQueryRenderingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 30, 15, 123, TimeSpan.Zero);

    public MongoQueryRenderingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Identities_with_keys()
    {
        var rendered = Render(ContactsMongoQueries.IdentitiesWithKeys(["email:a@b.cd", "phone:+49301234567"]));

        Assert.Equal(BsonDocument.Parse("{ _id: { $in: ['email:a@b.cd', 'phone:+49301234567'] } }"), rendered);
    }

    [Fact]
    public void Contacts_with_ids()
    {
        var rendered = Render(ContactsMongoQueries.ContactsWithIds(["c1", "c2"]));

        Assert.Equal(BsonDocument.Parse("{ _id: { $in: ['c1', 'c2'] } }"), rendered);
    }

    [Fact]
    public void Contact_at_version()
    {
        var rendered = Render(ContactsMongoQueries.ContactAtVersion("c1", 7));

        Assert.Equal(BsonDocument.Parse("{ _id: 'c1', version: NumberLong(7) }"), rendered);
    }

    [Fact]
    public void Timeline_entry_is_insert_only()
    {
        var item = new TimelineItem
        {
            EventId = "e1",
            ContactId = "c1",
            Type = "lead-captured",
            OccurredAt = At,
            Summary = "Lead captured",
            LeadId = "l1",
        };

        var rendered = Render(ContactsMongoQueries.InsertTimelineEntry(item, At.AddSeconds(1)));

        Assert.Equal(
            BsonDocument.Parse("""
                { $setOnInsert: {
                    contactId: 'c1', type: 'lead-captured', occurredAt: ISODate('2026-11-22T12:30:15.123Z'),
                    summary: 'Lead captured', leadId: 'l1', recordedAt: ISODate('2026-11-22T12:30:16.123Z') } }
                """),
            rendered);
    }

    [Fact]
    public void Timeline_entry_without_a_lead_stores_null()
    {
        var item = new TimelineItem { EventId = "e1", ContactId = "c1", Type = "message-sent", OccurredAt = At, Summary = "Sent" };

        var rendered = Render(ContactsMongoQueries.InsertTimelineEntry(item, At));

        Assert.Equal(BsonNull.Value, rendered["$setOnInsert"]["leadId"]);
    }

    [Fact]
    public void Timeline_of_a_contact_newest_first()
    {
        Assert.Equal(BsonDocument.Parse("{ contactId: 'c1' }"), Render(ContactsMongoQueries.TimelineOf("c1")));
        Assert.Equal(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }"), Render(ContactsMongoQueries.TimelineNewestFirst));
    }

    private static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>());

    private static BsonDocument Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).AsBsonDocument;

    private static BsonDocument Render<T>(SortDefinition<T> sort) => sort.Render(Args<T>());
}
