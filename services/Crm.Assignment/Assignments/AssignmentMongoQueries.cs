using Crm.Assignment.Routing;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.Assignment.Assignments;

/// <summary>The filters, updates and sorts of <see cref="MongoAssignmentStore"/> (rendered to BSON in the tests).</summary>
internal static class AssignmentMongoQueries
{
    public const string Backlog = "backlog";
    public const string Assigned = "assigned";

    // Reps

    /// <summary>Reps after <paramref name="afterId"/> in id order (all without one).</summary>
    public static FilterDefinition<MongoRepDocument> RepsAfter(string? afterId) =>
        afterId is null
            ? Builders<MongoRepDocument>.Filter.Empty
            : Builders<MongoRepDocument>.Filter.Gt(d => d.Id, afterId);

    public static readonly SortDefinition<MongoRepDocument> RepsById = Builders<MongoRepDocument>.Sort.Ascending(d => d.Id);

    /// <summary>Optimistic concurrency: the rep only while it still has the version that was read.</summary>
    public static FilterDefinition<MongoRepDocument> RepAtVersion(string id, long version) =>
        Builders<MongoRepDocument>.Filter.Where(d => d.Id == id && d.Version == version);

    public static UpdateDefinition<MongoRepDocument> UpdateRepSettings(string name, int capacity, bool active) =>
        Builders<MongoRepDocument>.Update
            .Set(d => d.Name, name)
            .Set(d => d.Capacity, capacity)
            .Set(d => d.Active, active)
            .Inc(d => d.Version, 1L);

    /// <summary>The rep while it is active and has room: <c>openLeads &lt; capacity</c> compares two fields, hence <c>$expr</c>.</summary>
    public static FilterDefinition<MongoRepDocument> RepWithRoom(string repId)
    {
        var f = Builders<MongoRepDocument>.Filter;
        var hasRoom = new BsonDocumentFilterDefinition<MongoRepDocument>(
            new BsonDocument("$expr", new BsonDocument("$lt", new BsonArray { "$openLeads", "$capacity" })));
        return f.Eq(d => d.Id, repId) & f.Eq(d => d.Active, true) & hasRoom;
    }

    /// <summary>Only the rep's name (for a lead's view).</summary>
    public static readonly ProjectionDefinition<MongoRepDocument, string> RepName = Builders<MongoRepDocument>.Projection.Expression(d => d.Name);

    public static readonly UpdateDefinition<MongoRepDocument> TakeCapacity = Builders<MongoRepDocument>.Update.Inc(d => d.OpenLeads, 1);

    // Leads

    /// <summary>Backlog leads after <paramref name="after"/> in <see cref="BacklogSort"/> order (all without one).</summary>
    public static FilterDefinition<MongoLeadAssignmentDocument> BacklogAfter(BacklogPosition? after)
    {
        var f = Builders<MongoLeadAssignmentDocument>.Filter;
        var filter = f.Eq(d => d.Status, Backlog);
        if (after is not null)
        {
            filter &= f.Or(
                f.Gt(d => d.GradeRank, after.GradeRank),
                f.Eq(d => d.GradeRank, after.GradeRank) & f.Gt(d => d.QueuedAt, after.QueuedAt),
                f.Eq(d => d.GradeRank, after.GradeRank) & f.Eq(d => d.QueuedAt, after.QueuedAt) & f.Gt(d => d.Id, after.LeadId));
        }

        return filter;
    }

    /// <summary>Backlog leads waiting for a rep: only <paramref name="onlyLeadId"/>, or all of them.</summary>
    public static FilterDefinition<MongoLeadAssignmentDocument> Waiting(string? onlyLeadId)
    {
        var f = Builders<MongoLeadAssignmentDocument>.Filter;
        var filter = f.Eq(d => d.Status, Backlog);
        if (onlyLeadId is not null)
        {
            filter &= f.Eq(d => d.Id, onlyLeadId);
        }

        return filter;
    }

    /// <summary>Serving order: hot first, then the longest waiting, then by id.</summary>
    public static readonly SortDefinition<MongoLeadAssignmentDocument> BacklogSort =
        Builders<MongoLeadAssignmentDocument>.Sort.Ascending(d => d.GradeRank).Ascending(d => d.QueuedAt).Ascending(d => d.Id);

    public static UpdateDefinition<MongoLeadAssignmentDocument> Rescore(ScoredLead lead) =>
        Builders<MongoLeadAssignmentDocument>.Update
            .Set(d => d.Grade, BacklogOrder.Format(lead.Grade))
            .Set(d => d.GradeRank, BacklogOrder.Rank(lead.Grade))
            .Set(d => d.Score, lead.Score)
            .Set(d => d.ScoredAt, lead.ScoredAt);

    /// <summary>The lead while it is still in the backlog.</summary>
    public static FilterDefinition<MongoLeadAssignmentDocument> InBacklog(string leadId) =>
        Builders<MongoLeadAssignmentDocument>.Filter.Where(d => d.Id == leadId && d.Status == Backlog);

    public static UpdateDefinition<MongoLeadAssignmentDocument> MarkAssigned(string repId, DateTimeOffset assignedAt) =>
        Builders<MongoLeadAssignmentDocument>.Update
            .Set(d => d.Status, Assigned)
            .Set(d => d.RepId, repId)
            .Set(d => d.AssignedAt, assignedAt);

    // Round-robin state

    /// <summary>Optimistic concurrency on the single state document.</summary>
    public static FilterDefinition<MongoRoutingStateDocument> StateAtVersion(string id, long version) =>
        Builders<MongoRoutingStateDocument>.Filter.Where(d => d.Id == id && d.Version == version);

    public static UpdateDefinition<MongoRoutingStateDocument> MoveCursor(string? cursor) =>
        Builders<MongoRoutingStateDocument>.Update.Set(d => d.Cursor, cursor).Inc(d => d.Version, 1L);
}
