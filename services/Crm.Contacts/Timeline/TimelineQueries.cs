using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Timeline;

/// <summary>The timeline's queries, in one place so their cost is reviewable (rendered in <c>queries.approved.md</c>).</summary>
public static class TimelineQueries
{
    /// <summary>A contact's newest <paramref name="limit"/> entries, newest first (ties by event id, descending); index <c>contact_occurred</c>.</summary>
    public static Query<TimelineEntry> NewestFirst(string contactId, int limit) =>
        TimelineCollections.Timeline.Find(Filter<TimelineEntry>.Eq(x => x.ContactId, contactId))
            .OrderByDescending(x => x.OccurredAt)
            .ThenByDescending(x => x.Id)
            .Take(limit);
}
