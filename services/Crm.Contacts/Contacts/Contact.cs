using System.Text.Json;
using Crm.Contacts.Profile;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// A person known to the platform (a document of <c>contacts</c>): the identities learnt so far, in the order learnt
/// (the first e-mail and the first phone are the primary ones), a name, and the profile. Replaced whole on every
/// change, guarded by <see cref="Version"/>. Every profile member is optional with a default, so documents written
/// before the profile existed still read (their stage reads as <c>lead</c>).
/// </summary>
public sealed record Contact : IDocument
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    /// <summary>Lower-case e-mails, the primary first.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>E.164 phones, the primary first.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
    /// <summary>Ids other systems give the person (kind + value), each also owned in <c>contact_identities</c>.</summary>
    public IReadOnlyList<ExternalId> ExternalIds { get; init; } = [];
    /// <summary>BCP 47, canonical case (<c>de-DE</c>).</summary>
    public string? Locale { get; init; }
    /// <summary>IANA id (<c>Europe/Berlin</c>).</summary>
    public string? TimeZone { get; init; }
    /// <summary>ISO 3166-1 alpha-2, upper-case.</summary>
    public string? Country { get; init; }
    public string? Region { get; init; }
    public DateOnly? Birthday { get; init; }
    /// <summary>Postal address (street, postal code, city; the country is <see cref="Country"/>): one value, replaced whole.</summary>
    public PostalAddress? Address { get; init; }
    /// <summary>Lead for a contact created by a capture (and for documents from before the profile, where it is absent).</summary>
    public LifecycleStage LifecycleStage { get; init; } = LifecycleStage.Lead;
    /// <summary>Lower-case, unique, in the order given.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Values checked against the field definitions when they were set.</summary>
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
    /// <summary>The name as the list's name search compares it (<see cref="ProfileValues.NameKey"/>): derived, written with every change.</summary>
    public string? NameKey => ProfileValues.NameKey(Name);
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>1 at creation, +1 on every change.</summary>
    public required long Version { get; init; }
}

/// <summary>A postal address, each part trimmed (any may be absent, not all).</summary>
public sealed record PostalAddress(string? Street, string? PostalCode, string? City);

/// <summary>An id another system gives the person (<c>shop</c> → <c>C-123</c>).</summary>
public sealed record ExternalId(string Kind, string Value);

/// <summary>What a find-or-create did: the contact as stored afterwards, and whether it was created or changed.</summary>
public sealed record ResolveOutcome(Contact Contact, bool Created, bool Changed);
