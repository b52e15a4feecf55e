namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// A service's store (SQLite or MongoDB): reads of committed documents, commits of a list of writes in one
/// transaction, and atomic claims. Services use it through a <see cref="UnitOfWork"/>; the platform (outbox,
/// timers) and claim-style domain services use it directly.
/// </summary>
public interface IDocumentStore
{
    /// <summary><c>sqlite</c> or <c>mongo</c>.</summary>
    string Provider { get; }

    Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    /// <summary>
    /// Applies <paramref name="writes"/> in order in one transaction, all or none. Returns how many documents each
    /// write matched. Throws <see cref="ConcurrencyException"/> (a version or a guard did not hold) or
    /// <see cref="DuplicateKeyException"/> (an id or a unique index was taken); then nothing is written.
    /// </summary>
    Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically applies <paramref name="update"/> to up to <c>claimable.Limit</c> documents that match
    /// <paramref name="claimable"/> (in its order) and returns them as updated. Two claimers never get the same
    /// document; <paramref name="claimed"/> must match exactly the documents this update marked (e.g. a lease token).
    /// </summary>
    Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    /// <summary>Creates tables / collections and indexes (idempotent, safe with several replicas at once).</summary>
    Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default);

    /// <summary>Throws when the store does not answer.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>Reads built on <see cref="IDocumentStore"/>.</summary>
public static class DocumentStoreExtensions
{
    /// <summary>The documents with these ids (in no particular order; missing ids are left out).</summary>
    public static Task<IReadOnlyList<T>> GetManyAsync<T>(this IDocumentStore store, DocumentCollection<T> collection, IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var list = ids.Distinct(StringComparer.Ordinal).ToList();
        return list.Count == 0
            ? Task.FromResult<IReadOnlyList<T>>([])
            : store.FindAsync(collection.Find(Filter<T>.In(x => x.Id, list)), cancellationToken);
    }

    /// <summary>
    /// One page of <paramref name="query"/> (sorted): <paramref name="limit"/> items and the cursor of the next page.
    /// Start from a cursor with <see cref="Query{T}.TryStartAfter"/>.
    /// </summary>
    public static async Task<DocumentPage<T>> PageAsync<T>(this IDocumentStore store, Query<T> query, int limit, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var items = await store.FindAsync(query.Take(limit + 1), cancellationToken);
        return items.Count > limit
            ? new DocumentPage<T>(items.Take(limit).ToList(), query.CursorAfter(items[limit - 1]))
            : new DocumentPage<T>(items, null);
    }

    /// <summary>How many documents match the query's filter (its sort and limit do not count).</summary>
    public static Task<long> CountAsync<T>(this IDocumentStore store, Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument => store.CountAsync(query.Collection, query.Filter, cancellationToken);

    public static Task<IReadOnlyList<long>> CommitAsync(this IDocumentStore store, WriteOperation write, CancellationToken cancellationToken = default) =>
        store.CommitAsync([write], cancellationToken);
}
