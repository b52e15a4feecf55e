using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Timeline;

/// <summary>
/// One event in a contact's interaction timeline (a document of <c>timeline</c>). The id is the event's EventId, so
/// the same event delivered twice (even under another message id) keeps its first entry.
/// </summary>
public sealed record TimelineEntry : IDocument
{
    /// <summary>The event's EventId (standard Guid format, <c>D</c>).</summary>
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    /// <summary>The contact it belongs to; it need not exist yet (events may overtake the contact).</summary>
    public required string ContactId { get; init; }
    /// <summary>lead-captured, lead-scored, lead-assigned, message-sent.</summary>
    public required string Type { get; init; }
    /// <summary>When it happened (the event's OccurredAt, UTC milliseconds).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Summary { get; init; }
    public string? LeadId { get; init; }
    /// <summary>When Contacts recorded it (the consuming unit of work's clock).</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>The merge that re-keyed it from <see cref="MergedFromContactId"/> to its contact (an un-merge moves exactly those back); absent otherwise.</summary>
    public string? MergeId { get; init; }
    /// <summary>The contact it belonged to before <see cref="MergeId"/> moved it to the survivor.</summary>
    public string? MergedFromContactId { get; init; }
}
