using Crm.Contacts.Timeline;
using MongoDB.Driver;

namespace Crm.Contacts.Contacts;

/// <summary>The filters, updates and sorts of <see cref="MongoContactStore"/> (rendered to BSON in the tests).</summary>
internal static class ContactsMongoQueries
{
    public static FilterDefinition<ContactIdentityDocument> IdentitiesWithKeys(IEnumerable<string> keys) =>
        Builders<ContactIdentityDocument>.Filter.In(d => d.Id, keys);

    public static FilterDefinition<ContactDocument> ContactsWithIds(IEnumerable<string> ids) =>
        Builders<ContactDocument>.Filter.In(d => d.Id, ids);

    /// <summary>Optimistic concurrency: the contact only while it still has the version that was read.</summary>
    public static FilterDefinition<ContactDocument> ContactAtVersion(string id, long version) =>
        Builders<ContactDocument>.Filter.Where(d => d.Id == id && d.Version == version);

    /// <summary>Upsert that only inserts: the same event delivered under another message id keeps its first entry.</summary>
    public static UpdateDefinition<TimelineDocument> InsertTimelineEntry(TimelineItem item, DateTimeOffset recordedAt) =>
        Builders<TimelineDocument>.Update
            .SetOnInsert(d => d.ContactId, item.ContactId)
            .SetOnInsert(d => d.Type, item.Type)
            .SetOnInsert(d => d.OccurredAt, item.OccurredAt)
            .SetOnInsert(d => d.Summary, item.Summary)
            .SetOnInsert(d => d.LeadId, item.LeadId)
            .SetOnInsert(d => d.RecordedAt, recordedAt);

    public static FilterDefinition<TimelineDocument> TimelineOf(string contactId) =>
        Builders<TimelineDocument>.Filter.Where(d => d.ContactId == contactId);

    public static readonly SortDefinition<TimelineDocument> TimelineNewestFirst =
        Builders<TimelineDocument>.Sort.Descending(d => d.OccurredAt).Descending(d => d.Id);
}
