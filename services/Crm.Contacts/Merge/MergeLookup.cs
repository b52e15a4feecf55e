using Crm.Contacts.Contacts;
using Crm.Contacts.Ownership;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Merge;

/// <summary>What <c>GET /api/contacts/{id}</c> answers for a contact that is not there: a 404, naming the survivor (<c>mergedInto</c>, <c>mergeId</c>) when it was merged and the caller may see the survivor.</summary>
public static class MergeLookup
{
    public static async Task<ProblemException> NotFoundAsync(IDocumentStore store, HttpContext http, string id, CancellationToken cancellationToken)
    {
        if (id.Length <= 100
            && await store.GetAsync(MergeCollections.MergedContacts, id, cancellationToken) is { } merged
            && await ContactAccess.VisibleContactAsync(store, http, merged.SurvivorId, cancellationToken) is not null)
        {
            return new ProblemException(
                StatusCodes.Status404NotFound,
                "Contact merged.",
                $"Contact '{id}' was merged into '{merged.SurvivorId}'.",
                new Dictionary<string, object?> { ["mergedInto"] = merged.SurvivorId, ["mergeId"] = merged.MergeId });
        }

        return ContactEndpoints.NotFound(id);
    }
}
