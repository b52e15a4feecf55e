using Crm.ServiceDefaults.Storage;

namespace Crm.Testing;

/// <summary>
/// A store that hands everything to <c>inner</c>: a test overrides only what it observes or makes race (a commit held,
/// counted or preceded by another writer's change, a query followed by another delivery's move).
/// </summary>
public abstract class DelegatingStore(IDocumentStore inner) : IDocumentStore
{
    protected IDocumentStore Inner => inner;

    public string Provider => inner.Provider;

    public virtual Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
        where T : class, IDocument => inner.GetAsync(collection, id, cancellationToken);

    public virtual Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument => inner.FindAsync(query, cancellationToken);

    public virtual Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
        where T : class, IDocument => inner.CountAsync(collection, filter, cancellationToken);

    public virtual Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default) =>
        inner.CommitAsync(writes, cancellationToken);

    public virtual Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
        where T : class, IDocument => inner.ClaimAsync(claimable, update, claimed, cancellationToken);

    public virtual Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default) =>
        inner.InitializeAsync(collections, cancellationToken);

    public virtual Task PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
}
