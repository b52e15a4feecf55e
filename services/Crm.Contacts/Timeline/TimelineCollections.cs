using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Timeline;

/// <summary>The timeline: one entry per event, read by contact, newest first.</summary>
public static class TimelineCollections
{
    /// <summary>
    /// <c>contact_occurred</c> serves <see cref="TimelineQueries.NewestFirst"/>: equality on the contact, then the
    /// index order is the query's order (occurredAt, id descending), so the newest N are read without a sort.
    /// </summary>
    public static readonly DocumentCollection<TimelineEntry> Timeline = new DocumentCollection<TimelineEntry>("timeline")
        .Index("contact_occurred", i => i.Asc(x => x.ContactId).Desc(x => x.OccurredAt).Desc(x => x.Id));
}
