using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using MongoDB.Driver;
using Xunit;

namespace Crm.Testing;

/// <summary>The two backends of the document layer; contract tests run on both (<c>[SkippableTheory, MemberData(nameof(TestStore.Backends))]</c>).</summary>
public enum Backend
{
    Sqlite,
    Mongo,
}

/// <summary>
/// A store for one test, initialised with the platform's collections and the given ones: a SQLite file in a temp
/// folder, or a fresh MongoDB database (only when <c>CRM_TEST_MONGO_URL</c> is set; otherwise the test is skipped
/// visibly) dropped afterwards.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly TempDirectory? _directory;
    private readonly IMongoClient? _client;
    private readonly string? _database;

    private TestStore(IDocumentStore store, TempDirectory? directory, IMongoClient? client, string? database)
    {
        Store = store;
        _directory = directory;
        _client = client;
        _database = database;
    }

    public static TheoryData<Backend> Backends => new() { Backend.Sqlite, Backend.Mongo };

    public IDocumentStore Store { get; }

    public OutboxSignal Signal { get; } = new();

    /// <summary>The SQLite file (null on MongoDB).</summary>
    public string? SqlitePath => (Store as SqliteDocumentStore)?.Path;

    public static async Task<TestStore> CreateAsync(Backend backend, string service, params IDocumentCollection[] collections)
    {
        IReadOnlyCollection<IDocumentCollection> all = [.. PlatformCollections.All, .. collections];
        if (backend == Backend.Mongo)
        {
            var url = MongoTestServer.RequireUrl();
            var client = new MongoClient(MongoConnection.Settings(url, service, TimeSpan.FromSeconds(10), out _));
            var database = MongoTestServer.NewDatabaseName(service);
            var mongo = new MongoDocumentStore(client, database);
            await mongo.InitializeAsync(all);
            return new TestStore(mongo, null, client, database);
        }

        var directory = new TempDirectory($"crm-{service}-store");
        var sqlite = new SqliteDocumentStore(directory.Combine($"{service}.db"));
        await sqlite.InitializeAsync(all);
        return new TestStore(sqlite, directory, null, null);
    }

    /// <summary>A second store on the same file or database (another process or replica).</summary>
    public IDocumentStore OpenAnother() => Store switch
    {
        SqliteDocumentStore sqlite => new SqliteDocumentStore(sqlite.Path),
        MongoDocumentStore => new MongoDocumentStore(_client!, _database!),
        _ => throw new NotSupportedException(),
    };

    public UnitOfWork NewUnit(TimeProvider? time = null) => new(Store, time ?? TimeProvider.System, Signal);

    /// <summary>Outbox records not yet published, oldest first.</summary>
    public Task<IReadOnlyList<OutboxRecord>> PendingOutboxAsync() =>
        Store.FindAsync(PlatformQueries.PendingOutbox().OrderBy(x => x.Id));

    /// <summary>The events of type <typeparamref name="T"/> waiting in the outbox, oldest first.</summary>
    public async Task<IReadOnlyList<T>> PendingEventsAsync<T>()
    {
        var records = await PendingOutboxAsync();
        return records
            .Where(r => r.Type == typeof(T).FullName)
            .Select(r => (T)OutboxSerializer.Read(r.Type, r.Body).Message)
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        switch (Store)
        {
            case SqliteDocumentStore sqlite:
                await sqlite.DisposeAsync();
                break;
            case MongoDocumentStore when _client is not null:
                await _client.DropDatabaseAsync(_database);
                break;
        }

        _directory?.Dispose();
        Signal.Dispose();
    }
}
