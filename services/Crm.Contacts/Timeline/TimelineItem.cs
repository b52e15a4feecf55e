namespace Crm.Contacts.Timeline;

/// <summary>One event in a contact's interaction timeline.</summary>
public sealed record TimelineItem
{
    /// <summary>The event's EventId (standard Guid format): one entry per event.</summary>
    public required string EventId { get; init; }
    public required string ContactId { get; init; }
    /// <summary>lead-captured, lead-scored, lead-assigned, message-sent.</summary>
    public required string Type { get; init; }
    /// <summary>When it happened (the event's OccurredAt, truncated to milliseconds).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Summary { get; init; }
    public string? LeadId { get; init; }
}
