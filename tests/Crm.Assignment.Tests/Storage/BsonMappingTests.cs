using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Contracts.Api;
using Crm.ServiceDefaults.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using Xunit;

namespace Crm.Assignment.Tests.Storage;

/// <summary>The MongoDB documents survive a BSON round trip with camelCase names, without a server.</summary>
public sealed class BsonMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, 123, TimeSpan.Zero);

    public BsonMappingTests() => MongoDb.RegisterConventions();

    [Fact]
    public void A_rep_document_round_trips()
    {
        var rep = new Rep { Id = "r1", Name = "Ann", Capacity = 12, Active = false, OpenLeads = 3, CreatedAt = At, Version = 7 };
        var bson = MongoRepDocument.From(rep).ToBsonDocument();

        var back = BsonSerializer.Deserialize<MongoRepDocument>(bson);

        Assert.Equal(rep, back.ToRep());
        Assert.Equal("r1", bson["_id"].AsString);
        Assert.True(bson.Contains("openLeads"));
        Assert.True(bson.Contains("createdAt"));
        Assert.Equal(BsonType.DateTime, bson["createdAt"].BsonType);
        Assert.Equal(BsonType.Int64, bson["version"].BsonType);
    }

    [Fact]
    public void An_assigned_lead_document_round_trips()
    {
        var lead = new LeadAssignment
        {
            LeadId = "l1",
            ContactId = "c1",
            Grade = Grade.Warm,
            Score = 17,
            ScoredAt = At.AddMinutes(-1),
            QueuedAt = At.AddMinutes(-2),
            Status = LeadStatus.Assigned,
            RepId = "r1",
            AssignedAt = At,
        };
        var bson = MongoLeadAssignmentDocument.From(lead).ToBsonDocument();

        var back = BsonSerializer.Deserialize<MongoLeadAssignmentDocument>(bson);

        Assert.Equal(lead, back.ToLead());
        Assert.Equal(lead with { RepName = "Ann" }, back.ToLead("Ann"));
        Assert.Equal("l1", bson["_id"].AsString);
        foreach (var name in new[] { "contactId", "grade", "gradeRank", "score", "scoredAt", "queuedAt", "status", "repId", "assignedAt" })
        {
            Assert.True(bson.Contains(name), name);
        }

        Assert.Equal("warm", bson["grade"].AsString);
        Assert.Equal(1, bson["gradeRank"].AsInt32);
        Assert.Equal("assigned", bson["status"].AsString);
    }

    [Fact]
    public void A_backlog_lead_document_round_trips_without_a_rep()
    {
        var lead = new LeadAssignment
        {
            LeadId = "l2",
            ContactId = "c2",
            Grade = Grade.Hot,
            Score = 45,
            ScoredAt = At,
            QueuedAt = At,
            Status = LeadStatus.Backlog,
        };
        var bson = MongoLeadAssignmentDocument.From(lead).ToBsonDocument();

        var back = BsonSerializer.Deserialize<MongoLeadAssignmentDocument>(bson);

        Assert.Equal(lead, back.ToLead());
        Assert.Equal("backlog", bson["status"].AsString);
        Assert.Equal(0, bson["gradeRank"].AsInt32);
    }

    [Fact]
    public void The_routing_state_document_round_trips()
    {
        var state = new MongoRoutingStateDocument { Id = "round-robin", Cursor = "r9", Version = 41 };
        var bson = state.ToBsonDocument();

        var back = BsonSerializer.Deserialize<MongoRoutingStateDocument>(bson);

        Assert.Equal(("round-robin", "r9", 41L), (back.Id, back.Cursor, back.Version));
        Assert.True(bson.Contains("cursor"));
        Assert.True(bson.Contains("version"));
    }
}
