using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Ownership;

/// <summary>
/// The one ownership check of Contacts' endpoints: API keys, managers and admins see every contact; a rep or team lead
/// only one whose leads (<see cref="ContactOwners"/>) are theirs or their team's. Whoever does not see a contact gets the
/// same 404 as for an unknown one.
/// </summary>
public static class ContactVisibility
{
    public static async Task<bool> SeesAsync(HttpContext http, IDocumentStore store, string contactId, CancellationToken cancellationToken)
    {
        if (http.Caller() is not { SeesEverything: false } caller)
        {
            return true;
        }

        var owners = await store.GetAsync(OwnershipCollections.Owners, contactId, cancellationToken);
        return owners is not null && caller.SeesAny(owners.Owners);
    }
}
