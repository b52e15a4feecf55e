namespace Crm.Messaging.Contacts;

/// <summary>What Messaging needs to know about a contact to write to them.</summary>
public sealed record ContactCard(string Id, string? Name, IReadOnlyList<string> Emails);

/// <summary>Asks Contacts (the owner of contact data) for a contact, now.</summary>
public interface IContactDirectory
{
    /// <summary>The contact, or null when Contacts does not know the id.</summary>
    Task<ContactCard?> GetContactAsync(string contactId, CancellationToken cancellationToken = default);
}
