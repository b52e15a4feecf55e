using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// A person known to the platform (a document of <c>contacts</c>): the identities learnt so far, in the order learnt,
/// and a name. Replaced whole on every change, guarded by <see cref="Version"/>.
/// </summary>
public sealed record Contact : IDocument
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
