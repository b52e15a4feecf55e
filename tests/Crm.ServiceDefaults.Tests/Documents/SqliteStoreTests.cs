using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.Data.Sqlite;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// What only the SQLite store does: it brings a file's indexes to the declarations (a changed index is rebuilt, an
/// undeclared <c>ix_</c> index dropped, nothing touched when nothing changed), several processes on one file start
/// together, and it prunes what is past its TTL (MongoDB's TTL indexes do that themselves).
/// </summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("crm-sqlite-store");

    private string File => _directory.Combine("defaults.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_changed_index_is_rebuilt_and_an_undeclared_one_dropped_on_the_next_start()
    {
        var before = new DocumentCollection<Sample>("samples")
            .Index("by_name", i => i.Asc(x => x.Name))
            .Index("retired", i => i.Asc(x => x.Count));
        await using (var first = new SqliteDocumentStore(File))
        {
            await first.InitializeAsync([before]);
            await first.CommitAsync(Write.Insert(before, Minimal("s-1", "ana") with { Count = 3 }));
        }

        await ExecuteAsync("CREATE INDEX ix_samples_manual ON samples (id)", "CREATE INDEX keep_me ON samples (doc)");
        var after = new DocumentCollection<Sample>("samples")
            .Index("by_name", i => i.Asc(x => x.Name).Desc(x => x.Count).Unique());
        await using var second = new SqliteDocumentStore(File);
        await second.InitializeAsync([after]);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["ix_samples.by_name"] = "CREATE UNIQUE INDEX \"ix_samples.by_name\" ON \"samples\" (\"f_name\", \"f_count\" DESC)",
                ["keep_me"] = "CREATE INDEX keep_me ON samples (doc)",
            },
            await IndexesAsync("samples"));
        // The documents are untouched, and the rebuilt index serves queries.
        Assert.Equal("ana", (await second.GetAsync(after, "s-1"))!.Name);
        Assert.Contains("USING INDEX ix_samples.by_name", await PlanAsync(second, after, Filter<Sample>.Eq(x => x.Name, "ana")), StringComparison.Ordinal);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => second.CommitAsync(Write.Insert(after, Minimal("s-2", "ana") with { Count = 3 })));
    }

    [Fact]
    public async Task Writes_waiting_for_the_lock_when_the_store_is_disposed_fail_instead_of_waiting_forever()
    {
        var store = new SqliteDocumentStore(File);
        await store.InitializeAsync([Samples]);

        // Another connection holds the file's write lock, so the store's first write holds its own lock while it waits.
        await using var other = new SqliteConnection($"Data Source={File}");
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        var first = Task.Run(() => store.CommitAsync(Write.Insert(Samples, Minimal("first", "ana"))));
        await Poll.UntilAsync(() => Task.FromResult(store.Waiting == 0 && store.Writing), "the first write to hold the store's lock");

        // The container disposes the store while writes still wait for the lock (consumers of a host that is stopping).
        var disposing = store.DisposeAsync().AsTask();
        var waiting = Enumerable.Range(0, 20).Select(n => store.CommitAsync(Write.Insert(Samples, Minimal($"s-{n}", "ana")))).ToList();
        await using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var write in waiting)
        {
            // Refused, not left waiting on an abandoned lock (which kept a stopping bus, and the test run, waiting forever).
            await Assert.ThrowsAsync<ObjectDisposedException>(() => write.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CommitAsync(Write.Insert(Samples, Minimal("late", "ana"))));
    }

    [Fact]
    public async Task Initializing_twice_changes_nothing()
    {
        await using var store = new SqliteDocumentStore(File);
        IReadOnlyCollection<IDocumentCollection> collections = [.. PlatformCollections.All, Samples];
        await store.InitializeAsync(collections);
        await store.CommitAsync(Write.Insert(Samples, Full("s-1")));
        var version = await SchemaVersionAsync();
        var indexes = await IndexesAsync("samples");

        await store.InitializeAsync(collections);
        await using (var restarted = new SqliteDocumentStore(File))
        {
            await restarted.InitializeAsync(collections);
        }

        Assert.Equal(version, await SchemaVersionAsync());
        Assert.Equal(indexes, await IndexesAsync("samples"));
        Assert.Equal(5, indexes.Count);
        AssertSame(Full("s-1"), await store.GetAsync(Samples, "s-1"));
    }

    [Fact]
    public async Task Two_stores_on_one_new_file_initialise_at_the_same_time()
    {
        IReadOnlyCollection<IDocumentCollection> collections = [.. PlatformCollections.All, Samples];
        for (var round = 0; round < 5; round++)
        {
            var file = _directory.Combine($"together-{round}.db");
            await using var a = new SqliteDocumentStore(file);
            await using var b = new SqliteDocumentStore(file);

            await Task.WhenAll(Task.Run(() => a.InitializeAsync(collections)), Task.Run(() => b.InitializeAsync(collections)));

            await a.CommitAsync(Write.Insert(Samples, Minimal("s-1")));
            await b.CommitAsync(Write.Insert(Samples, Minimal("s-2")));
            Assert.Equal(2, await a.CountAsync(Samples, Filter<Sample>.All));
        }
    }

    /// <summary>
    /// Index names are global in a SQLite file: <c>ix_{collection}_{index}</c> must not let two collections' indexes
    /// take the same name (here <c>lead</c> + <c>owner_day</c> and <c>lead_owner</c> + <c>day</c>).
    /// </summary>
    [Fact]
    public async Task Two_collections_never_share_an_index_name()
    {
        var leads = new DocumentCollection<Sample>("lead").Index("owner_day", i => i.Asc(x => x.Owner).Asc(x => x.At));
        var owners = new DocumentCollection<Sample>("lead_owner").Index("day", i => i.Asc(x => x.At));
        await using var store = new SqliteDocumentStore(File);

        await store.InitializeAsync([leads, owners]);

        Assert.Single(await IndexesAsync("lead"));
        Assert.Single(await IndexesAsync("lead_owner"));
    }

    [Fact]
    public async Task A_table_of_another_layout_is_set_aside_with_its_data_and_a_document_table_takes_its_name()
    {
        await ExecuteAsync(
            "CREATE TABLE samples (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
            "INSERT INTO samples (id, name) VALUES ('old-1', 'kept as it was')");
        await using var store = new SqliteDocumentStore(File);

        await store.InitializeAsync([Samples]);

        Assert.Equal(["samples_before_documents"], store.SetAsideTables);
        Assert.Equal(5, (await IndexesAsync("samples")).Count);
        Assert.Equal("kept as it was", await ScalarAsync("SELECT name FROM samples_before_documents WHERE id = 'old-1'"));
        await store.CommitAsync(Write.Insert(Samples, Minimal("s-1")));
        Assert.Equal(["s-1"], (await store.FindAsync(Samples.All())).Select(s => s.Id));

        await store.InitializeAsync([Samples]);
        Assert.Empty(store.SetAsideTables);
    }

    /// <summary>
    /// A file written before the document layer (the platform tables of the old SqliteDb, with their
    /// <c>ix_outbox_pending</c> and <c>ix_inbox_received</c> indexes): the tables are set aside and the service
    /// starts. Index names are global in a SQLite file, so an index that went aside with its table must not block the
    /// new table's index of the same name.
    /// </summary>
    [Fact]
    public async Task A_file_of_the_layout_before_the_document_layer_starts_with_its_tables_set_aside()
    {
        await ExecuteAsync(
            "CREATE TABLE outbox (id TEXT PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, sent_at TEXT NULL, lease_owner TEXT NULL, lease_until TEXT NULL, attempts INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX ix_outbox_pending ON outbox (sent_at, id)",
            "CREATE TABLE inbox (id TEXT PRIMARY KEY, consumer TEXT NOT NULL, message_id TEXT NOT NULL, received_at TEXT NOT NULL)",
            "CREATE INDEX ix_inbox_received ON inbox (received_at)",
            "CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, location TEXT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (scope, key))",
            "INSERT INTO outbox (id, type, body, created_at) VALUES ('0193', 'Crm.Contracts.Leads.LeadCaptured', '{}', '2026-11-01T00:00:00.000Z')");
        await using var store = new SqliteDocumentStore(File);

        await store.InitializeAsync(PlatformCollections.All);

        Assert.Equal(["outbox_before_documents", "inbox_before_documents", "idempotency_before_documents"], store.SetAsideTables);
        Assert.Equal(
            "CREATE INDEX \"ix_outbox.due\" ON \"outbox\" (\"f_deadAt\", id)",
            (await IndexesAsync("outbox"))["ix_outbox.due"]);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM outbox_before_documents"));
    }

    [Fact]
    public async Task Pruning_deletes_only_documents_past_their_ttl()
    {
        await using var store = new SqliteDocumentStore(File);
        await store.InitializeAsync([.. PlatformCollections.All, Samples]);
        var now = T0.AddHours(5);
        await store.CommitAsync(
        [
            Write.Insert(Samples, Minimal("expired") with { Touched = now - TouchedTtl - TimeSpan.FromMilliseconds(1) }),
            Write.Insert(Samples, Minimal("long-expired") with { Touched = now.AddDays(-30) }),
            Write.Insert(Samples, Minimal("at-the-limit") with { Touched = now - TouchedTtl }),
            Write.Insert(Samples, Minimal("fresh") with { Touched = now.AddMinutes(-59) }),
            Write.Insert(Samples, Minimal("future") with { Touched = now.AddDays(1) }),
            Write.Insert(Samples, Minimal("no-ttl-field")),
        ]);

        Assert.Equal(2, await store.PruneExpiredAsync([.. PlatformCollections.All, Samples], now));

        Assert.Equal(["at-the-limit", "fresh", "future", "no-ttl-field"], (await store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Id));
        Assert.Equal(0, await store.PruneExpiredAsync([Samples], now));
    }

    [Fact]
    public async Task Pruning_works_through_more_than_one_batch_and_covers_the_platform_collections()
    {
        await using var store = new SqliteDocumentStore(File);
        await store.InitializeAsync([.. PlatformCollections.All, Samples]);
        var now = T0.AddDays(30);
        await store.CommitAsync(Enumerable.Range(0, 2500).Select(i => Write.Insert(Samples, Minimal($"s-{i:0000}") with { Touched = T0 })).ToList());
        await store.CommitAsync(
        [
            Write.Insert(PlatformCollections.Inbox, new InboxRecord { Id = "q:old", Consumer = "q", MessageId = "old", ReceivedAt = now - PlatformCollections.InboxRetention - TimeSpan.FromSeconds(1) }),
            Write.Insert(PlatformCollections.Inbox, new InboxRecord { Id = "q:new", Consumer = "q", MessageId = "new", ReceivedAt = now.AddDays(-1) }),
            Write.Insert(PlatformCollections.Idempotency, Response("old", now - PlatformCollections.IdempotencyRetention - TimeSpan.FromSeconds(1))),
            Write.Insert(PlatformCollections.Idempotency, Response("new", now.AddHours(-1))),
            Write.Insert(PlatformCollections.Outbox, new OutboxRecord { Id = "unsent", Type = "t", Body = System.Text.Json.JsonDocument.Parse("{}").RootElement, CreatedAt = T0 }),
        ]);

        Assert.Equal(2502, await store.PruneExpiredAsync([.. PlatformCollections.All, Samples], now));

        Assert.Equal(0, await store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Equal(["q:new"], (await store.FindAsync(PlatformCollections.Inbox.All())).Select(r => r.Id));
        Assert.Equal(["c:new"], (await store.FindAsync(PlatformCollections.Idempotency.All())).Select(r => r.Id));
        Assert.Equal(["unsent"], (await store.FindAsync(PlatformCollections.Outbox.All())).Select(r => r.Id));

        static IdempotentResponse Response(string key, DateTimeOffset createdAt) =>
            new() { Scope = "c", Key = key, RequestHash = "h", StatusCode = 201, Body = "{}", CreatedAt = createdAt };
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = File, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private async Task ExecuteAsync(params string[] statements)
    {
        await using var connection = await OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<long> SchemaVersionAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA schema_version";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The indexes of a table as sqlite_master keeps them (name → SQL), without SQLite's automatic ones.</summary>
    private async Task<Dictionary<string, string>> IndexesAsync(string table)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $table AND sql IS NOT NULL";
        command.Parameters.AddWithValue("$table", table);
        var indexes = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            indexes[reader.GetString(0)] = reader.GetString(1);
        }

        return indexes;
    }

    private async Task<string> PlanAsync(SqliteDocumentStore store, DocumentCollection<Sample> collection, Filter<Sample> filter)
    {
        var statement = store.Renderer(collection).Select(filter.Node, [], null, null);
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + statement.Sql;
        foreach (var (name, value) in statement.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var steps = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            steps.Add(reader.GetString(3));
        }

        return string.Join("; ", steps);
    }
}
