using Crm.Leads.Leads;
using Crm.Leads.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.Leads.Tests;

public sealed class SqliteLeadStoreTests : LeadStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new("crm-leads-store");

    protected override async Task<ILeadStore> CreateStoreAsync()
    {
        var db = new SqliteDb(_directory.Combine("leads.db"), LeadsSchema.Value.SqliteStatements, TimeProvider.System, new OutboxSignal());
        await db.InitializeAsync();
        Outbox = new SqliteOutboxStore(db, TimeProvider.System);
        Idempotency = new SqliteIdempotencyStore(db);
        return new SqliteLeadStore(db);
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>Skipped visibly unless CRM_TEST_MONGO_URL names a MongoDB replica set (none can run on our build machines).</summary>
public sealed class MongoLeadStoreTests : LeadStoreContract, IAsyncLifetime
{
    private MongoClient? _client;
    private string? _database;

    protected override async Task<ILeadStore> CreateStoreAsync()
    {
        var url = MongoTestServer.RequireUrl();
        _client = new MongoClient(url);
        _database = MongoTestServer.NewDatabaseName("leads");
        var db = new MongoDb(_client, _database, TimeProvider.System, new OutboxSignal());
        await db.InitializeAsync();
        await LeadsSchema.Value.CreateMongoIndexesAsync(db.Database, CancellationToken.None);
        Outbox = new MongoOutboxStore(db, TimeProvider.System);
        Idempotency = new MongoIdempotencyStore(db);
        return new MongoLeadStore(db);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_client is not null && _database is not null)
        {
            await _client.DropDatabaseAsync(_database);
        }

        _client?.Dispose();
    }
}
