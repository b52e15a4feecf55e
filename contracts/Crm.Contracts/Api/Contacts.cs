namespace Crm.Contracts.Api.Contacts;

public sealed record TimelineEntry
{
    public required string EventId { get; init; }
    /// <summary>Event type in kebab case: lead-captured, lead-scored, lead-assigned, message-sent.</summary>
    public required string Type { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Summary { get; init; }
    public string? LeadId { get; init; }
}

public sealed record ContactResponse
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
    public required DateTimeOffset CreatedAt { get; init; }
    public required long Version { get; init; }
    /// <summary>Newest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
}
