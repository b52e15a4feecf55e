using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>
/// The store's filters, updates and sorts rendered to BSON without a server: a wrong element name, an expression
/// the driver cannot translate or a comparison that means something else fails here.
/// </summary>
public sealed class MongoQueryRenderingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, 123, TimeSpan.Zero);

    public MongoQueryRenderingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void For_lead_and_template()
    {
        var rendered = Render(MessagingMongoQueries.ForLeadAndTemplate("l1", "welcome"));

        Assert.Equal(BsonDocument.Parse("{ leadId: 'l1', template: 'welcome' }"), rendered);
    }

    [Fact]
    public void Held_by_a_claim_token()
    {
        Assert.Equal(BsonDocument.Parse("{ _id: 'm1', claimToken: 't1' }"), Render(MessagingMongoQueries.HeldBy("m1", "t1")));
        Assert.Equal(BsonDocument.Parse("{ _id: 'm1', claimToken: null }"), Render(MessagingMongoQueries.HeldBy("m1", null)));
    }

    [Fact]
    public void Take_over_sets_token_and_lease()
    {
        var rendered = Render(MessagingMongoQueries.TakeOver("t2", At));

        Assert.Equal(BsonDocument.Parse("{ $set: { claimToken: 't2', leaseUntil: ISODate('2026-11-22T18:00:00.123Z') } }"), rendered);
    }

    [Fact]
    public void Claimed_by_a_token_while_sending()
    {
        var rendered = Render(MessagingMongoQueries.ClaimedBy("m1", "t1"));

        Assert.Equal(BsonDocument.Parse("{ _id: 'm1', status: 'sending', claimToken: 't1' }"), rendered);
    }

    [Fact]
    public void Complete_writes_the_outcome_and_drops_the_claim()
    {
        var message = new Message
        {
            Id = "m1",
            ContactId = "c1",
            LeadId = "l1",
            Channel = "email",
            Template = "welcome",
            To = "ada@example.com",
            Subject = "Welcome, Ada!",
            Status = "sent",
            SentAt = At,
        };

        var rendered = Render(MessagingMongoQueries.Complete(message));

        Assert.Equal(
            BsonDocument.Parse("""
                { $set: {
                    contactId: 'c1', channel: 'email', to: 'ada@example.com', subject: 'Welcome, Ada!', status: 'sent',
                    sentAt: ISODate('2026-11-22T18:00:00.123Z'), claimToken: null, leaseUntil: null } }
                """),
            rendered);
    }

    [Fact]
    public void List_without_filters_hides_messages_being_sent()
    {
        var rendered = Render(MessagingMongoQueries.List(new MessageQuery()));

        Assert.Equal(BsonDocument.Parse("{ status: { $ne: 'sending' } }"), rendered);
    }

    [Fact]
    public void List_with_filters_and_cursor()
    {
        var query = new MessageQuery { ContactId = "c1", LeadId = "l1", After = new MessageCursor(At, "m5") };

        var rendered = Render(MessagingMongoQueries.List(query));

        Assert.Equal(
            BsonDocument.Parse("""
                { status: { $ne: 'sending' }, contactId: 'c1', leadId: 'l1',
                  $or: [
                    { sentAt: { $lt: ISODate('2026-11-22T18:00:00.123Z') } },
                    { sentAt: ISODate('2026-11-22T18:00:00.123Z'), _id: { $lt: 'm5' } } ] }
                """),
            rendered);
    }

    [Fact]
    public void Newest_first()
    {
        Assert.Equal(BsonDocument.Parse("{ sentAt: -1, _id: -1 }"), Render(MessagingMongoQueries.NewestFirst));
    }

    private static RenderArgs<T> Args<T>() => new(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry);

    private static BsonDocument Render<T>(FilterDefinition<T> filter) => filter.Render(Args<T>());

    private static BsonDocument Render<T>(UpdateDefinition<T> update) => update.Render(Args<T>()).AsBsonDocument;

    private static BsonDocument Render<T>(SortDefinition<T> sort) => sort.Render(Args<T>());
}
