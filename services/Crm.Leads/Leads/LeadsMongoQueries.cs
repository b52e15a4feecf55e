using MongoDB.Driver;

namespace Crm.Leads.Leads;

/// <summary>The filters and updates of <see cref="MongoLeadStore"/> (rendered to BSON in the tests).</summary>
internal static class LeadsMongoQueries
{
    /// <summary>Optimistic concurrency: the lead only while it still has the version that was read.</summary>
    public static FilterDefinition<LeadDocument> LeadAtVersion(string id, long version) =>
        Builders<LeadDocument>.Filter.Where(d => d.Id == id && d.Version == version);

    public static UpdateDefinition<LeadDocument> SetOwner(string ownerId, string ownerName, DateTimeOffset assignedAt) =>
        Builders<LeadDocument>.Update
            .Set(d => d.OwnerId, ownerId)
            .Set(d => d.OwnerName, ownerName)
            .Set(d => d.AssignedAt, assignedAt)
            .Inc(d => d.Version, 1);
}
