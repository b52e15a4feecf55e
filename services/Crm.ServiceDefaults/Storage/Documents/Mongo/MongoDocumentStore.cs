using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>
/// The production store: one database per service. A commit of several writes is one multi-document transaction
/// with the options of <see cref="MongoConnection.TransactionOptions"/> (snapshot, primary, majority), bounded by
/// <see cref="CommitTimeout"/> so a write conflict storm cannot hold a request for the driver's 120 s; a single write
/// needs no transaction. A claim costs three round trips whatever its size.
/// </summary>
public sealed class MongoDocumentStore(IMongoClient client, string databaseName) : IDocumentStore
{
    public IMongoDatabase Database { get; } = client.GetDatabase(databaseName);

    public string Provider => StorageOptions.Mongo;

    /// <summary>How long a commit (with the driver's own retries of transient errors) may take.</summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public IMongoCollection<BsonDocument> Collection(IDocumentCollection collection) => Database.GetCollection<BsonDocument>(collection.Name);

    public async Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var document = await Collection(collection).Find(new BsonDocument("_id", id)).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : BsonDocuments.FromBson<T>(document);
    }

    public async Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var sort = query.EffectiveSort;
        var find = Collection(query.Collection).Find(BsonRenderer.Filter(query.Filter.Node, sort, query.After));
        if (query.Sort.Count > 0 || query.Limit is not null || query.After is not null)
        {
            find = find.Sort(BsonRenderer.Sort(sort));
        }

        if (query.Limit is { } limit)
        {
            find = find.Limit(limit);
        }

        var documents = await find.ToListAsync(cancellationToken);
        return documents.Select(BsonDocuments.FromBson<T>).ToList();
    }

    public Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
        where T : class, IDocument =>
        Collection(collection).CountDocumentsAsync(BsonRenderer.Filter(filter.Node), cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default)
    {
        if (writes.Count == 0)
        {
            return [];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommitTimeout);
        if (writes.Count == 1)
        {
            return [await ApplyAsync(null, writes[0], timeout.Token)];
        }

        using var session = await client.StartSessionAsync(cancellationToken: timeout.Token);
        return await session.WithTransactionAsync<IReadOnlyList<long>>(
            async (s, ct) =>
            {
                var counts = new long[writes.Count];
                for (var i = 0; i < writes.Count; i++)
                {
                    counts[i] = await ApplyAsync(s, writes[i], ct);
                }

                return counts;
            },
            MongoConnection.TransactionOptions,
            timeout.Token);
    }

    public async Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        var collection = Collection(claimable.Collection);
        var filter = BsonRenderer.Filter(claimable.Filter.Node);
        var ids = await collection.Find(filter)
            .Sort(BsonRenderer.Sort(claimable.EffectiveSort))
            .Limit(claimable.Limit ?? 1)
            .Project(new BsonDocument("_id", 1))
            .ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return [];
        }

        var idList = new BsonArray(ids.Select(d => d["_id"]));
        var inIds = new BsonDocument("_id", new BsonDocument("$in", idList));

        // Re-checked per document and atomically: a document another claimer took in between is simply skipped.
        await collection.UpdateManyAsync(new BsonDocument("$and", new BsonArray { inIds, filter }), BsonRenderer.Update(update.Operations), cancellationToken: cancellationToken);
        var documents = await collection.Find(new BsonDocument("$and", new BsonArray { inIds, BsonRenderer.Filter(claimed.Node) })).ToListAsync(cancellationToken);
        return documents.Select(BsonDocuments.FromBson<T>).ToList();
    }

    public async Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default)
    {
        var hello = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: cancellationToken);
        MongoConnection.RequireReplicaSet(hello);

        var names = (await (await Database.ListCollectionNamesAsync(cancellationToken: cancellationToken)).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            // Collections are created here, never implicitly inside a transaction.
            if (!names.Contains(collection.Name))
            {
                try
                {
                    await Database.CreateCollectionAsync(collection.Name, cancellationToken: cancellationToken);
                }
                catch (MongoCommandException ex) when (ex.Code == 48)
                {
                    // NamespaceExists: another replica created it first.
                }
            }

            var existing = await (await Collection(collection).Indexes.ListAsync(cancellationToken)).ToListAsync(cancellationToken);
            foreach (var action in MongoIndexes.Plan(collection, existing))
            {
                await ApplyAsync(action, cancellationToken);
            }
        }
    }

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);

    private async Task ApplyAsync(IndexAction action, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case CreateIndexAction create:
                var command = new BsonDocument
                {
                    { "createIndexes", create.Collection },
                    { "indexes", new BsonArray { new BsonDocument("key", create.Keys).AddRange(create.Options) } },
                    // A majority of voting members suffices: one member down must not hang start-up.
                    { "commitQuorum", "majority" },
                };
                await Database.RunCommandAsync<BsonDocument>(command, cancellationToken: cancellationToken);
                break;
            case ChangeTtlAction ttl:
                await Database.RunCommandAsync<BsonDocument>(
                    new BsonDocument { { "collMod", ttl.Collection }, { "index", new BsonDocument { { "name", ttl.Name }, { "expireAfterSeconds", ttl.ExpireAfterSeconds } } } },
                    cancellationToken: cancellationToken);
                break;
            case DropIndexAction drop:
                try
                {
                    await Database.GetCollection<BsonDocument>(drop.Collection).Indexes.DropOneAsync(drop.Name, cancellationToken);
                }
                catch (MongoCommandException ex) when (ex.Code == 27)
                {
                    // IndexNotFound: another replica dropped it first.
                }

                break;
        }
    }

    private async Task<long> ApplyAsync(IClientSessionHandle? session, WriteOperation write, CancellationToken cancellationToken)
    {
        var collection = Collection(write.Collection);
        long count;
        try
        {
            count = write switch
            {
                InsertWrite { IgnoreIfExists: true } insert => await UpsertOnInsertAsync(collection, session, insert.Document, cancellationToken),
                InsertWrite insert => await InsertAsync(collection, session, insert.Document, cancellationToken),
                ReplaceWrite { ExpectedVersion: { } version } replace => (await (session is null
                    ? collection.ReplaceOneAsync(Versioned(replace.Document.Id, version), BsonDocuments.ToBson(replace.Document), cancellationToken: cancellationToken)
                    : collection.ReplaceOneAsync(session, Versioned(replace.Document.Id, version), BsonDocuments.ToBson(replace.Document), cancellationToken: cancellationToken))).MatchedCount,
                ReplaceWrite replace => await PutAsync(collection, session, replace.Document, cancellationToken),
                DeleteWrite delete => (await (session is null
                    ? collection.DeleteManyAsync(BsonRenderer.Filter(delete.Filter), cancellationToken)
                    : collection.DeleteManyAsync(session, BsonRenderer.Filter(delete.Filter), cancellationToken: cancellationToken))).DeletedCount,
                UpdateWrite update => (await (session is null
                    ? collection.UpdateManyAsync(BsonRenderer.Filter(update.Filter), BsonRenderer.Update(update.Update), cancellationToken: cancellationToken)
                    : collection.UpdateManyAsync(session, BsonRenderer.Filter(update.Filter), BsonRenderer.Update(update.Update), cancellationToken: cancellationToken))).MatchedCount,
                UpsertWrite upsert => await UpsertAsync(collection, session, upsert.Seed.Id, BsonRenderer.Upsert(upsert.Seed, upsert.Update), cancellationToken),
                _ => throw new NotSupportedException(write.GetType().Name),
            };
        }
        catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            throw new DuplicateKeyException(write.Collection.Name, $"A document of '{write.Collection.Name}' with the same key exists: {ex.WriteError.Message}", ex);
        }
        catch (MongoCommandException ex) when (ex.Code == 11000)
        {
            throw new DuplicateKeyException(write.Collection.Name, $"A document of '{write.Collection.Name}' with the same key exists: {ex.ErrorMessage}", ex);
        }

        var expectOne = write switch
        {
            ReplaceWrite { ExpectedVersion: not null } => true,
            DeleteWrite delete => delete.ExpectOne,
            UpdateWrite update => update.ExpectOne,
            _ => false,
        };
        if (expectOne && count == 0)
        {
            throw new ConcurrencyException(write is ReplaceWrite replaced
                ? $"'{write.Collection.Name}' document '{replaced.Document.Id}' is no longer at version {replaced.ExpectedVersion}."
                : $"A guarded write to '{write.Collection.Name}' matched nothing: the data changed since it was read.");
        }

        return count;
    }

    private static BsonDocument Versioned(string id, long version) => new() { { "_id", id }, { "version", version } };

    private static async Task<long> InsertAsync(IMongoCollection<BsonDocument> collection, IClientSessionHandle? session, IDocument document, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            await collection.InsertOneAsync(BsonDocuments.ToBson(document), cancellationToken: cancellationToken);
        }
        else
        {
            await collection.InsertOneAsync(session, BsonDocuments.ToBson(document), cancellationToken: cancellationToken);
        }

        return 1;
    }

    private static async Task<long> PutAsync(IMongoCollection<BsonDocument> collection, IClientSessionHandle? session, IDocument document, CancellationToken cancellationToken)
    {
        var filter = new BsonDocument("_id", document.Id);
        var options = new ReplaceOptions { IsUpsert = true };
        var result = session is null
            ? await collection.ReplaceOneAsync(filter, BsonDocuments.ToBson(document), options, cancellationToken)
            : await collection.ReplaceOneAsync(session, filter, BsonDocuments.ToBson(document), options, cancellationToken);
        return result.UpsertedId is null ? result.MatchedCount : 1;
    }

    private static Task<long> UpsertOnInsertAsync(IMongoCollection<BsonDocument> collection, IClientSessionHandle? session, IDocument document, CancellationToken cancellationToken)
    {
        var fields = BsonDocuments.ToBson(document);
        fields.Remove("_id");
        return UpsertAsync(collection, session, document.Id, new BsonDocument("$setOnInsert", fields), cancellationToken, countInsertOnly: true);
    }

    private static async Task<long> UpsertAsync(IMongoCollection<BsonDocument> collection, IClientSessionHandle? session, string id, BsonDocument update, CancellationToken cancellationToken, bool countInsertOnly = false)
    {
        var filter = new BsonDocument("_id", id);
        var options = new UpdateOptions { IsUpsert = true };
        var result = session is null
            ? await collection.UpdateOneAsync(filter, update, options, cancellationToken)
            : await collection.UpdateOneAsync(session, filter, update, options, cancellationToken);
        return result.UpsertedId is not null ? 1 : countInsertOnly ? 0 : result.MatchedCount;
    }
}
