using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// The one shape of a settings document's endpoints (one document per service, e.g. the loyalty rules or the merge
/// rules): <c>GET</c> answers the stored document or the defaults with the version as <c>ETag</c>; <c>PUT</c> replaces it,
/// guarded by <c>If-Match</c> (412 when stale), with the version moved on by one.
/// </summary>
public static class SettingsDocuments
{
    public static async Task<IResult> GetAsync<T, TDocument>(
        IDocumentStore store, HttpContext http, DocumentCollection<T> collection, string id, T defaults, Func<T, TDocument> toDocument, CancellationToken cancellationToken)
        where T : class, IDocument
    {
        var current = await store.GetAsync(collection, id, cancellationToken) ?? defaults;
        http.Response.SetETag(current.Version);
        return Results.Ok(toDocument(current));
    }

    /// <param name="what">Named in the 412 (<c>loyalty rules</c>).</param>
    /// <param name="stored">The parsed document with its next version (and whatever else the service stamps on it).</param>
    public static async Task<IResult> PutAsync<T, TDocument>(
        UnitOfWork unit, HttpContext http, string? ifMatch, string what, DocumentCollection<T> collection, string id,
        Func<long, T> stored, Func<T, TDocument> toDocument, CancellationToken cancellationToken)
        where T : class, IDocument
    {
        var expected = ETags.ExpectedVersion(ifMatch, what);
        var current = await unit.GetAsync(collection, id, cancellationToken);
        ETags.CheckVersion(expected, current?.Version ?? 0, what);
        var next = stored((current?.Version ?? 0) + 1);
        unit.Save(collection, next, current);
        await unit.CommitAsync(cancellationToken);
        http.Response.SetETag(next.Version);
        return Results.Ok(toDocument(next));
    }
}
