using Crm.Assignment.Assignments;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.Assignment.Tests.Storage;

/// <summary>The same contract on MongoDB; skipped visibly unless <c>CRM_TEST_MONGO_URL</c> names a replica set.</summary>
public sealed class MongoAssignmentStoreTests : AssignmentStoreContract, IAsyncLifetime
{
    private readonly OutboxSignal _signal = new();
    private readonly List<(IMongoClient Client, string Database)> _databases = [];

    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider time)
    {
        var url = MongoTestServer.RequireUrl();
        var client = new MongoClient(url);
        var name = MongoTestServer.NewDatabaseName("assignment");
        _databases.Add((client, name));
        var db = new MongoDb(client, name, time, _signal);
        await db.InitializeAsync();
        await AssignmentSchema.CreateMongoIndexesAsync(db.Database, CancellationToken.None);
        await AssignmentSchema.CreateMongoIndexesAsync(db.Database, CancellationToken.None); // idempotent
        return new StoreUnderTest(new MongoAssignmentStore(db), new MongoOutboxStore(db, time));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (client, database) in _databases)
        {
            await client.DropDatabaseAsync(database);
            client.Dispose();
        }

        _signal.Dispose();
    }
}
