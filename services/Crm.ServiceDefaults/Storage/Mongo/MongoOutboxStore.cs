using Crm.ServiceDefaults.Storage.Outbox;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage.Mongo;

public sealed class MongoOutboxStore(MongoDb db, TimeProvider time) : IOutboxStore
{
    private IMongoCollection<MongoOutboxDocument> Outbox => db.Collection<MongoOutboxDocument>(MongoDb.Outbox);

    public async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(string owner, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        var filter = Claimable(now);
        var update = Lease(owner, now + lease);
        var options = new FindOneAndUpdateOptions<MongoOutboxDocument>
        {
            Sort = Oldest,
            ReturnDocument = ReturnDocument.After,
        };
        var claimed = new List<OutboxMessage>();
        while (claimed.Count < max)
        {
            // Each claim is one atomic findAndModify: two replicas never lease the same record.
            var document = await Outbox.FindOneAndUpdateAsync(filter, update, options, cancellationToken);
            if (document is null)
            {
                break;
            }

            claimed.Add(new OutboxMessage { Id = document.Id, Type = document.Type, Body = document.Body, CreatedAt = document.CreatedAt });
        }

        return claimed;
    }

    public Task MarkSentAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        Outbox.UpdateManyAsync(
            Builders<MongoOutboxDocument>.Filter.In(d => d.Id, ids),
            Sent(time.UtcNowMs()),
            cancellationToken: cancellationToken);

    /// <summary>Unsent and not leased, or leased by a replica whose lease has run out.</summary>
    internal static FilterDefinition<MongoOutboxDocument> Claimable(DateTimeOffset now) =>
        Builders<MongoOutboxDocument>.Filter.Where(d => d.SentAt == null && (d.LeaseUntil == null || d.LeaseUntil < now));

    internal static UpdateDefinition<MongoOutboxDocument> Lease(string owner, DateTimeOffset until) =>
        Builders<MongoOutboxDocument>.Update.Set(d => d.LeaseOwner, owner).Set(d => d.LeaseUntil, until).Inc(d => d.Attempts, 1);

    internal static UpdateDefinition<MongoOutboxDocument> Sent(DateTimeOffset at) =>
        Builders<MongoOutboxDocument>.Update.Set(d => d.SentAt, at).Set(d => d.LeaseOwner, null).Set(d => d.LeaseUntil, null);

    internal static SortDefinition<MongoOutboxDocument> Oldest { get; } = Builders<MongoOutboxDocument>.Sort.Ascending(d => d.Id);

    /// <summary>TTL indexes prune MongoDB; nothing to do here.</summary>
    public Task PruneAsync(DateTimeOffset sentBefore, DateTimeOffset inboxBefore, DateTimeOffset idempotencyBefore, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> CountPendingAsync(CancellationToken cancellationToken) =>
        Outbox.CountDocumentsAsync(d => d.SentAt == null, cancellationToken: cancellationToken);
}

public sealed class MongoIdempotencyStore(MongoDb db) : IIdempotencyStore
{
    public async Task<IdempotentResponse?> GetAsync(string scope, string key, CancellationToken cancellationToken = default)
    {
        var id = $"{scope}:{key}";
        var document = await db.Collection<MongoIdempotencyDocument>(MongoDb.Idempotency).Find(d => d.Id == id).FirstOrDefaultAsync(cancellationToken);
        return document is null
            ? null
            : new IdempotentResponse
            {
                Scope = document.Scope,
                Key = document.Key,
                RequestHash = document.RequestHash,
                StatusCode = document.StatusCode,
                Location = document.Location,
                Body = document.Body,
                CreatedAt = document.CreatedAt,
            };
    }
}
