namespace Crm.Contracts.Contacts;

/// <summary>A new person became known to the platform (identity resolution created a contact).</summary>
public sealed record ContactCreated
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ContactId { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Phones in E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
}

/// <summary>A contact's identity data changed (a new e-mail or phone was learnt, the name was completed).</summary>
public sealed record ContactUpdated
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string ContactId { get; init; }
    public required long Version { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string> Emails { get; init; } = [];
    public IReadOnlyList<string> Phones { get; init; } = [];
}
