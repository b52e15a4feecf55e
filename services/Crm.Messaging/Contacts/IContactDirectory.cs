namespace Crm.Messaging.Contacts;

/// <summary>What Messaging needs to know about a contact to write to them.</summary>
public sealed record ContactCard(string Id, string? Name, IReadOnlyList<string> Emails)
{
    /// <summary>Set: no message on any channel (Contacts' global do-not-contact).</summary>
    public bool DoNotContact { get; init; }

    /// <summary>Channel (email, sms, whatsapp, phone) to its consent (granted, withdrawn); a channel not listed is unknown.</summary>
    public IReadOnlyDictionary<string, string> Consents { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The contact's phone numbers (E.164), first the primary one: SMS, WhatsApp and calls.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];

    /// <summary>BCP 47 locale (e.g. <c>pt-BR</c>); null when not known (templates fall back to the default locale).</summary>
    public string? Locale { get; init; }

    /// <summary>IANA time zone (e.g. <c>America/Sao_Paulo</c>); null when not known (quiet hours then use the platform's default zone).</summary>
    public string? TimeZone { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country; null when not known.</summary>
    public string? Country { get; init; }

    public DateOnly? Birthday { get; init; }

    /// <summary>The channel's consent, or null when unknown.</summary>
    public string? ConsentOf(string channel) => Consents.TryGetValue(channel, out var status) ? status : null;
}

/// <summary>Asks Contacts (the owner of contact data) for a contact, now.</summary>
public interface IContactDirectory
{
    /// <summary>The contact, or null when Contacts does not know the id.</summary>
    Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The contacts of a batch, by id (an id Contacts does not know is left out). One call over gRPC
    /// (<see cref="GrpcContactDirectory"/>); the default asks for each in turn.
    /// </summary>
    async Task<IReadOnlyDictionary<string, ContactCard>> GetContactsAsync(IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, ContactCard>(StringComparer.Ordinal);
        foreach (var id in contactIds.Distinct(StringComparer.Ordinal))
        {
            if (await GetContactAsync(id, cancellationToken) is { } contact)
            {
                found[id] = contact;
            }
        }

        return found;
    }
}
