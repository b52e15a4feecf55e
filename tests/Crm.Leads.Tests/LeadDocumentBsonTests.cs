using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>The MongoDB mapping without a server: BSON round trips and element names.</summary>
public sealed class LeadDocumentBsonTests
{
    public LeadDocumentBsonTests() => MongoDb.RegisterConventions();

    [Fact]
    public void Lead_document_round_trips_every_field()
    {
        var lead = LeadStoreContract.NewLead() with { OwnerId = "rep-1", OwnerName = "Rita Rep", AssignedAt = new DateTimeOffset(2026, 11, 22, 18, 5, 0, 7, TimeSpan.Zero), Version = 4 };

        var bson = LeadDocument.From(lead).ToBsonDocument();
        var back = BsonSerializer.Deserialize<LeadDocument>(bson).ToLead();

        LeadStoreContract.AssertSame(lead, back);
    }

    [Fact]
    public void A_minimal_lead_document_round_trips()
    {
        var lead = LeadStoreContract.NewLead() with { Name = null, Phone = null, LastInteractionAt = null, Fields = new Dictionary<string, string>(), ScoreBreakdown = [] };

        var back = BsonSerializer.Deserialize<LeadDocument>(LeadDocument.From(lead).ToBsonDocument()).ToLead();

        LeadStoreContract.AssertSame(lead, back);
    }

    [Fact]
    public void Element_names_are_camel_case_and_times_are_dates()
    {
        var lead = LeadStoreContract.NewLead() with { AssignedAt = DateTimeOffset.UnixEpoch };

        var bson = LeadDocument.From(lead).ToBsonDocument();

        Assert.Equal(lead.Id, bson["_id"].AsString);
        foreach (var name in new[] { "contactId", "name", "email", "phone", "source", "channel", "pagesVisited", "lastInteractionAt", "fields", "score", "grade", "scoreBreakdown", "ownerId", "ownerName", "assignedAt", "capturedAt", "version" })
        {
            Assert.True(bson.Contains(name), $"missing element '{name}'");
        }

        Assert.Equal("whatsapp", bson["channel"].AsString);
        Assert.Equal("hot", bson["grade"].AsString);
        Assert.Equal(BsonType.DateTime, bson["capturedAt"].BsonType);
        Assert.Equal(BsonType.DateTime, bson["lastInteractionAt"].BsonType);
        Assert.Equal("recent-interaction", bson["scoreBreakdown"][0]["rule"].AsString);
    }

    [Fact]
    public void Free_fields_are_stored_as_key_value_documents_so_any_key_is_safe()
    {
        var bson = LeadDocument.From(LeadStoreContract.NewLead()).ToBsonDocument();

        var fields = bson["fields"].AsBsonArray.Select(f => f.AsBsonDocument).ToList();
        Assert.Contains(fields, f => f["k"] == "budget.max" && f["v"] == "1200");
        Assert.Contains(fields, f => f["k"] == "$odd" && f["v"] == "ok");
    }
}
