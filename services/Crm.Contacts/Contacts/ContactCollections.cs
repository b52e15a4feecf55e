using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// The contacts and who owns each identity. Both are read by id only (a contact by its id, identities by their keys,
/// then the contacts they name), so neither declares a secondary index: the id is indexed by both stores.
/// </summary>
public static class ContactCollections
{
    public static readonly DocumentCollection<Contact> Contacts = new("contacts");

    /// <summary>One document per identity, id <c>kind:value</c>: the id's uniqueness is what makes find-or-create safe.</summary>
    public static readonly DocumentCollection<IdentityOwner> Identities = new("contact_identities");
}
