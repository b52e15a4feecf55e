namespace Crm.Contracts.Api.Contacts;

/// <summary>One step in a contact's history (a lead captured, scored, assigned, a message sent).</summary>
public sealed record TimelineEntry
{
    /// <summary>The id of the event the entry records.</summary>
    public required string EventId { get; init; }

    /// <summary>Event type in kebab case: lead-captured, lead-scored, lead-assigned, message-sent.</summary>
    public required string Type { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>A one-line description for people.</summary>
    public required string Summary { get; init; }

    /// <summary>The lead it concerns, if any.</summary>
    public string? LeadId { get; init; }
}

/// <summary>A contact: one person, however many leads they came in through.</summary>
public sealed record ContactResponse
{
    /// <summary>The contact's id.</summary>
    public required string Id { get; init; }

    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }

    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];

    /// <summary>E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];

    /// <summary>When the contact became known (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Version, incremented by every change of the identity data.</summary>
    public required long Version { get; init; }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}
