using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using Xunit;

namespace Crm.Messaging.Tests;

public sealed class BsonMappingTests
{
    public BsonMappingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Message_document_round_trips_with_camelCase_names()
    {
        var document = new MessageDocument
        {
            Id = "m-1",
            ContactId = "c-1",
            LeadId = "l-1",
            Channel = "email",
            Template = "welcome",
            To = "ada@example.com",
            Subject = "Welcome, Ada!",
            Status = "picked-up",
            SentAt = DateTimeOffset.Parse("2026-11-22T18:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture),
            ClaimToken = "token-1",
            LeaseUntil = DateTimeOffset.Parse("2026-11-22T18:00:45.123Z", System.Globalization.CultureInfo.InvariantCulture),
        };

        var bson = document.ToBsonDocument();
        var back = BsonSerializer.Deserialize<MessageDocument>(bson);

        Assert.Equal(document.ToMessage(), back.ToMessage());
        Assert.Equal(document.ClaimToken, back.ClaimToken);
        Assert.Equal(document.LeaseUntil, back.LeaseUntil);
        Assert.Equal("m-1", bson["_id"].AsString);
        foreach (var name in new[] { "contactId", "leadId", "channel", "template", "to", "subject", "status", "sentAt", "claimToken", "leaseUntil" })
        {
            Assert.True(bson.Contains(name), $"element {name}");
        }

        Assert.Equal(BsonType.DateTime, bson["sentAt"].BsonType);
    }

    [Fact]
    public void Message_document_without_a_lead_round_trips()
    {
        var document = MessageDocument.From(new Message
        {
            Id = "m-2",
            ContactId = "c-1",
            Channel = "email",
            Template = "welcome",
            To = "",
            Subject = "s",
            Status = "skipped",
            SentAt = DateTimeOffset.UnixEpoch,
        });

        var back = BsonSerializer.Deserialize<MessageDocument>(document.ToBsonDocument());

        Assert.Null(back.LeadId);
        Assert.Null(back.ClaimToken);
        Assert.Null(back.LeaseUntil);
        Assert.Equal(document.ToMessage(), back.ToMessage());
    }
}
