using Crm.Assignment.Assignments;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;

namespace Crm.Assignment.Tests.Storage;

public sealed class SqliteAssignmentStoreTests : AssignmentStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new("crm-assignment-store");
    private readonly OutboxSignal _signal = new();

    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider time)
    {
        var db = new SqliteDb(_directory.Combine($"assignment-{Guid.NewGuid():N}.db"), AssignmentSchema.Value.SqliteStatements, time, _signal);
        await db.InitializeAsync();
        await db.InitializeAsync(); // idempotent
        return new StoreUnderTest(new SqliteAssignmentStore(db), new SqliteOutboxStore(db, time));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        _signal.Dispose();
    }
}
