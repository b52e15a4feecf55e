using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Ownership;

/// <summary>
/// The ownership rule of <c>GET /api/contacts/{id}</c> for the endpoints about a contact (its consent...): the contact,
/// or null when it does not exist or the caller may not see it (a rep sees a contact with a lead of theirs, a team lead
/// one with a lead of their team, <see cref="ContactOwners"/>); both are answered with the same 404.
/// </summary>
public static class ContactAccess
{
    public static async Task<Contact?> VisibleContactAsync(IDocumentStore store, HttpContext http, string id, CancellationToken cancellationToken)
    {
        var contact = id.Length <= 100 ? await store.GetAsync(ContactCollections.Contacts, id, cancellationToken) : null;
        if (contact is not null && http.Caller() is { SeesEverything: false } caller)
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
