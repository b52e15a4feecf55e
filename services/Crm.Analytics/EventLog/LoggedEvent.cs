using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.EventLog;

/// <summary>
/// One event Analytics consumed (a document of <c>event_log</c>, id = the message's id, so the same event reaching
/// several Analytics queues is one entry): its type, its body as JSON (without the personal fields no read model needs,
/// <see cref="EventLogEntries"/>), when it happened and when it first arrived. Appended by the consume pipeline
/// (<see cref="EventLogFilter{T}"/>) in the same commit as the consumer's effect; a rebuild replays the log in
/// <see cref="Sequence"/> order.
/// </summary>
public sealed record LoggedEvent : IDocument
{
    /// <summary>The message id (32 hex digits), the same on every queue the event reached.</summary>
    public required string Id { get; init; }
    /// <summary>Arrival order: a time-sortable id (UUID v7) taken when the first queue applied the event.</summary>
    public required string Sequence { get; init; }
    /// <summary>The event's full type name (<c>Crm.Contracts.Leads.LeadCaptured</c>).</summary>
    public required string Type { get; init; }
    /// <summary>The event as JSON (web defaults: camelCase).</summary>
    public required string Body { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    /// <summary>The contact the event is about (its <c>contactId</c>, a merge's survivor), for the erasure.</summary>
    public string? ContactId { get; init; }
    public long Version { get; init; } = 1;
}

public static class EventLogCollections
{
    /// <summary>
    /// The log. A rebuild reads it in arrival order (<c>sequence</c>); an erasure finds a contact's entries
    /// (<c>contact</c>) and the merges and un-merges that may name the contact among others (<c>type</c>).
    /// </summary>
    public static readonly DocumentCollection<LoggedEvent> Log = new DocumentCollection<LoggedEvent>("event_log")
        .Index("sequence", i => i.Asc(x => x.Sequence).Asc(x => x.Id))
        .Index("contact", i => i.Asc(x => x.ContactId).Asc(x => x.Id))
        .Index("type", i => i.Asc(x => x.Type).Asc(x => x.Id));
}

/// <summary>Every read of the event log (rendered by the catalog test).</summary>
public static class EventLogQueries
{
    /// <summary>The entries after <paramref name="sequence"/> (null: from the start), in arrival order.</summary>
    public static Query<LoggedEvent> After(string? sequence) =>
        (sequence is null ? EventLogCollections.Log.Find(Filter<LoggedEvent>.All) : EventLogCollections.Log.Find(Filter<LoggedEvent>.Gt(x => x.Sequence, sequence)))
            .OrderBy(x => x.Sequence);

    /// <summary>The entries about <paramref name="contactId"/>.</summary>
    public static Query<LoggedEvent> OfContact(string contactId) =>
        EventLogCollections.Log.Find(Filter<LoggedEvent>.Eq(x => x.ContactId, contactId)).OrderBy(x => x.ContactId);

    /// <summary>The entries of one event type (<see cref="LoggedEvent.Type"/>).</summary>
    public static Query<LoggedEvent> OfType(string type) =>
        EventLogCollections.Log.Find(Filter<LoggedEvent>.Eq(x => x.Type, type)).OrderBy(x => x.Type);
}
