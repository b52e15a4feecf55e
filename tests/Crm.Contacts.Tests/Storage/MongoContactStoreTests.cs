using Crm.Contacts.Contacts;
using Crm.Contacts.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.Contacts.Tests.Storage;

/// <summary>The same contract on MongoDB; skipped visibly unless CRM_TEST_MONGO_URL names a replica set.</summary>
public sealed class MongoContactStoreTests : ContactStoreContract, IAsyncLifetime
{
    private readonly List<MongoDb> _databases = [];
    private MongoDb? _db;

    protected override async Task<IContactStore> CreateStoreAsync()
    {
        var url = MongoTestServer.RequireUrl();
        _db = new MongoDb(new MongoClient(url), MongoTestServer.NewDatabaseName("contacts"), Time, new OutboxSignal());
        _databases.Add(_db);
        await _db.InitializeAsync();
        await ContactsSchema.Value.CreateMongoIndexesAsync(_db.Database, CancellationToken.None);
        return new MongoContactStore(_db);
    }

    protected override async Task<IReadOnlyList<OutboxMessage>> PendingOutboxAsync()
    {
        var documents = await _db!.Collection<MongoOutboxDocument>(MongoDb.Outbox)
            .Find(d => d.SentAt == null)
            .SortBy(d => d.Id)
            .ToListAsync();
        return [.. documents.Select(d => new OutboxMessage { Id = d.Id, Type = d.Type, Body = d.Body, CreatedAt = d.CreatedAt })];
    }

    protected override Task<long> CountPendingAsync() => new MongoOutboxStore(_db!, Time).CountPendingAsync(CancellationToken.None);

    [SkippableFact]
    public async Task The_identity_collection_rejects_a_second_document_for_the_same_kind_and_value()
    {
        var store = await CreateStoreAsync();
        await store.ResolveAsync(Command(null, "a@b.cd", null));
        var identities = _db!.Collection<ContactIdentityDocument>(ContactsSchema.Identities);

        // Another _id but the same kind and value: the unique index, not only the key, refuses it.
        var ex = await Assert.ThrowsAsync<MongoWriteException>(() => identities.InsertOneAsync(new ContactIdentityDocument
        {
            Id = "other-key",
            Kind = "email",
            Value = "a@b.cd",
            ContactId = "another",
            CreatedAt = Start,
        }));
        Assert.Equal(ServerErrorCategory.DuplicateKey, ex.WriteError.Category);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var db in _databases)
        {
            await db.Client.DropDatabaseAsync(db.Database.DatabaseNamespace.DatabaseName);
        }
    }
}
