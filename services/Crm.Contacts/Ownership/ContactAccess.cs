using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Ownership;

/// <summary>
/// The one ownership rule of every endpoint about a contact (the contact, its profile, consent, orders and summary): the contact,
/// or null when it does not exist or the caller may not see it (a rep sees a contact with a lead of theirs, a team lead
/// one with a lead of their team, <see cref="ContactOwners"/>); both are answered with the same 404.
/// </summary>
public static class ContactAccess
{
    public static Task<Contact?> VisibleContactAsync(IDocumentStore store, HttpContext http, string id, CancellationToken cancellationToken) =>
        VisibleContactAsync(store, http.Caller(), id, cancellationToken);

    public static async Task<Contact?> VisibleContactAsync(IDocumentStore store, CallerIdentity? caller, string id, CancellationToken cancellationToken)
    {
        var contact = id.Length <= 100 ? await store.GetAsync(ContactCollections.Contacts, id, cancellationToken) : null;
        if (contact is not null && caller is { SeesEverything: false })
        {
            var owners = await store.GetAsync(OwnershipCollections.Owners, id, cancellationToken);
            if (owners is null || !caller.SeesAny(owners.Owners))
            {
                return null;
            }
        }

        return contact;
    }
}
