using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using Xunit;

namespace Crm.Contacts.Tests.Storage;

/// <summary>BSON mapping of the Mongo documents, without a server: every field round-trips, names are camelCase.</summary>
public sealed class MongoDocumentMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 30, 15, 123, TimeSpan.Zero);

    public MongoDocumentMappingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void ContactDocument_round_trips()
    {
        var document = new ContactDocument
        {
            Id = "c1",
            Name = "Anna",
            Emails = ["a@b.cd", "x@y.zz"],
            Phones = ["+49301234567"],
            CreatedAt = At,
            UpdatedAt = At.AddMinutes(1),
            Version = 7,
        };

        var bson = document.ToBsonDocument();
        var back = BsonSerializer.Deserialize<ContactDocument>(bson);

        Assert.Equal("c1", bson["_id"].AsString);
        Assert.Equal(BsonType.DateTime, bson["createdAt"].BsonType);
        Assert.Equal(BsonType.Array, bson["emails"].BsonType);
        Assert.Equal(BsonType.Int64, bson["version"].BsonType);
        Assert.True(bson.Contains("updatedAt"));
        Assert.True(bson.Contains("phones"));
        Assert.True(bson.Contains("name"));
        Assert.Equal(document.Id, back.Id);
        Assert.Equal(document.Name, back.Name);
        Assert.Equal(document.Emails, back.Emails);
        Assert.Equal(document.Phones, back.Phones);
        Assert.Equal(document.CreatedAt, back.CreatedAt);
        Assert.Equal(document.UpdatedAt, back.UpdatedAt);
        Assert.Equal(document.Version, back.Version);
        Assert.Equal(document.ToContact(), back.ToContact() with { Emails = document.Emails, Phones = document.Phones });
    }

    [Fact]
    public void ContactDocument_maps_to_and_from_the_domain()
    {
        var contact = new Contact { Id = "c1", Name = null, Emails = [], Phones = ["+49301234567"], CreatedAt = At, UpdatedAt = At, Version = 1 };

        var back = ContactDocument.From(contact).ToContact();

        Assert.Equal(contact.Id, back.Id);
        Assert.Null(back.Name);
        Assert.Empty(back.Emails);
        Assert.Equal(contact.Phones, back.Phones);
        Assert.Equal(contact.Version, back.Version);
    }

    [Fact]
    public void ContactIdentityDocument_round_trips()
    {
        var document = new ContactIdentityDocument { Id = "email:a@b.cd", Kind = "email", Value = "a@b.cd", ContactId = "c1", CreatedAt = At };

        var bson = document.ToBsonDocument();
        var back = BsonSerializer.Deserialize<ContactIdentityDocument>(bson);

        Assert.Equal("email:a@b.cd", bson["_id"].AsString);
        Assert.True(bson.Contains("contactId"));
        Assert.True(bson.Contains("kind"));
        Assert.True(bson.Contains("value"));
        Assert.True(bson.Contains("createdAt"));
        Assert.Equal(document.Id, back.Id);
        Assert.Equal(document.Kind, back.Kind);
        Assert.Equal(document.Value, back.Value);
        Assert.Equal(document.ContactId, back.ContactId);
        Assert.Equal(document.CreatedAt, back.CreatedAt);
    }

    [Fact]
    public void TimelineDocument_round_trips()
    {
        var document = new TimelineDocument
        {
            Id = Guid.NewGuid().ToString("D"),
            ContactId = "c1",
            Type = "lead-scored",
            OccurredAt = At,
            Summary = "Scored 28 (hot)",
            LeadId = "l1",
            RecordedAt = At.AddSeconds(2),
        };

        var bson = document.ToBsonDocument();
        var back = BsonSerializer.Deserialize<TimelineDocument>(bson);

        Assert.Equal(document.Id, bson["_id"].AsString);
        Assert.True(bson.Contains("contactId"));
        Assert.True(bson.Contains("occurredAt"));
        Assert.True(bson.Contains("leadId"));
        Assert.True(bson.Contains("recordedAt"));
        Assert.Equal(BsonType.DateTime, bson["occurredAt"].BsonType);
        Assert.Equal(document.Id, back.Id);
        Assert.Equal(document.ContactId, back.ContactId);
        Assert.Equal(document.Type, back.Type);
        Assert.Equal(document.OccurredAt, back.OccurredAt);
        Assert.Equal(document.Summary, back.Summary);
        Assert.Equal(document.LeadId, back.LeadId);
        Assert.Equal(document.RecordedAt, back.RecordedAt);
    }

    [Fact]
    public void A_timeline_document_without_lead_round_trips_null()
    {
        var document = new TimelineDocument { Id = "e1", ContactId = "c1", Type = "message-sent", OccurredAt = At, Summary = "s", RecordedAt = At };

        var back = BsonSerializer.Deserialize<TimelineDocument>(document.ToBsonDocument());

        Assert.Null(back.LeadId);
    }
}
