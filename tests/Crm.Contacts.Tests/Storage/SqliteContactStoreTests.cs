using Crm.Contacts.Contacts;
using Crm.Contacts.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Crm.Contacts.Tests.Storage;

public sealed class SqliteContactStoreTests : ContactStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new("crm-contacts-store");
    private SqliteDb? _db;

    protected override async Task<IContactStore> CreateStoreAsync()
    {
        _db = new SqliteDb(_dir.Combine($"contacts-{Guid.NewGuid():N}.db"), ContactsSchema.Value.SqliteStatements, Time, new OutboxSignal());
        await _db.InitializeAsync();
        return new SqliteContactStore(_db);
    }

    protected override async Task<IReadOnlyList<OutboxMessage>> PendingOutboxAsync() =>
        [.. await _db!.ReadAsync(c => c.QueryAsync<OutboxMessage>(
            "SELECT id AS Id, type AS Type, body AS Body, created_at AS CreatedAt FROM outbox WHERE sent_at IS NULL ORDER BY id"))];

    protected override Task<long> CountPendingAsync() => new SqliteOutboxStore(_db!, Time).CountPendingAsync(CancellationToken.None);

    [Fact]
    public async Task The_identity_table_rejects_a_second_row_for_the_same_kind_and_value()
    {
        var store = await CreateStoreAsync();
        await store.ResolveAsync(Command(null, "a@b.cd", null));

        var ex = await Assert.ThrowsAsync<SqliteException>(() => _db!.InTransactionAsync(tx => tx.ExecuteAsync(
            "INSERT INTO contact_identities (kind, value, contact_id, created_at) VALUES ('email', 'a@b.cd', 'another', '2026-11-22T12:00:00.000Z')")));
        Assert.Equal(19, ex.SqliteErrorCode);
    }

    [Fact]
    public async Task Initialising_twice_keeps_the_data()
    {
        var store = await CreateStoreAsync();
        var outcome = await store.ResolveAsync(Command(null, "a@b.cd", null));

        await _db!.InitializeAsync();

        Assert.NotNull(await store.GetAsync(outcome.Contact.Id));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
