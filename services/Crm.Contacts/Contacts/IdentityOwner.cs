using Crm.Contacts.Identity;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// Which contact owns an identity (a document of <c>contact_identities</c>). The id is the identity's key
/// (<c>email:a@b.c</c>, <c>phone:+49301234567</c>, <c>external:shop:C-123</c>), so an identity can have one owner only: of two concurrent
/// resolves that both insert it, the second commit fails with a duplicate key and runs again on the winner's data.
/// </summary>
public sealed record IdentityOwner : IDocument
{
    /// <summary><see cref="ContactIdentity.Key"/>.</summary>
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    /// <summary>Stored as <c>email</c>, <c>phone</c> or <c>external</c>.</summary>
    public required IdentityKind Kind { get; init; }
    /// <summary>The normalised value: a lower-case e-mail, an E.164 phone or an external id (without its kind); searched by it (index <c>value</c>).</summary>
    public required string Value { get; init; }
    /// <summary>An external id's kind (<c>shop</c>, <c>device</c>); absent for e-mails and phones.</summary>
    public string? Scheme { get; init; }
    public required string ContactId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    public static IdentityOwner For(ContactIdentity identity, string contactId, DateTimeOffset createdAt) => new()
    {
        Id = identity.Key,
        Kind = identity.Kind,
        Value = identity.Value,
        Scheme = identity.Scheme,
        ContactId = contactId,
        CreatedAt = createdAt,
    };
}
