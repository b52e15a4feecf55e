using Crm.Contacts.Identity;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// Which contact owns an identity (a document of <c>contact_identities</c>). The id is the identity's key
/// (<c>email:a@b.c</c>, <c>phone:+49301234567</c>), so an identity can have one owner only: of two concurrent
/// resolves that both insert it, the second commit fails with a duplicate key and runs again on the winner's data.
/// </summary>
public sealed record IdentityOwner : IDocument
{
    /// <summary><see cref="ContactIdentity.Key"/>.</summary>
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    /// <summary>Stored as <c>email</c> or <c>phone</c>.</summary>
    public required IdentityKind Kind { get; init; }
    /// <summary>The normalised value: a lower-case e-mail or an E.164 phone.</summary>
    public required string Value { get; init; }
    public required string ContactId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    public static IdentityOwner For(ContactIdentity identity, string contactId, DateTimeOffset createdAt) => new()
    {
        Id = identity.Key,
        Kind = identity.Kind,
        Value = identity.Value,
        ContactId = contactId,
        CreatedAt = createdAt,
    };
}
