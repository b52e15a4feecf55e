namespace Crm.Contracts.Contacts;

/// <summary>A new person became known to the platform (identity resolution created a contact).</summary>
public sealed record ContactCreated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }
    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Phones in E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
}

/// <summary>A contact's identity data changed (a new e-mail or phone was learnt, the name was completed).</summary>
public sealed record ContactUpdated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The contact's version after the change.</summary>
    public required long Version { get; init; }
    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }
    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Phones in E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
}
