namespace Crm.Contacts.Contacts;

/// <summary>A person known to the platform: the identities learnt so far (in the order learnt) and a name.</summary>
public sealed record Contact
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    /// <summary>Lower-case e-mails.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>E.164 phones.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>1 at creation, +1 on every change.</summary>
    public required long Version { get; init; }
}

/// <summary>What a find-or-create did: the contact as stored afterwards, and whether it was created or changed.</summary>
public sealed record ResolveOutcome(Contact Contact, bool Created, bool Changed);
