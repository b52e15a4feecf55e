using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.Data.Sqlite;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The SQLite store's group commit: the writes waiting for the process' one writer go into one transaction, a
/// savepoint each, so each still succeeds or fails as it would alone (a failed guard, a taken key, a caller that gave
/// up), later writes of a group see the earlier ones, and nothing is answered before its COMMIT.
/// </summary>
public sealed class SqliteGroupCommitTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("crm-sqlite-group");
    private SqliteConnection? _lock;

    private string File => _directory.Combine("group.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Writes_waiting_for_the_writer_commit_in_one_transaction_and_each_fails_alone()
    {
        await using var store = new SqliteDocumentStore(File);
        await store.InitializeAsync([Samples]);
        await store.CommitAsync(Write.Insert(Samples, Minimal("v")));
        var before = store.Transactions;

        var first = await HoldWriterAsync(store);
        using var giveUp = new CancellationTokenSource();
        var inserts = Enumerable.Range(0, 30).Select(n => store.CommitAsync(Write.Insert(Samples, Minimal($"s-{n:00}")))).ToList();
        var stale = store.CommitAsync(Write.NextVersion(Samples, Minimal("v") with { Version = 6, Name = "stale" }, 5));
        var takenCode = store.CommitAsync(Write.Insert(Samples, Minimal("other") with { Code = "code-s-07" }));
        var move1 = store.CommitAsync(Write.NextVersion(Samples, Minimal("v") with { Version = 2, Name = "moved once" }, 1));
        var move2 = store.CommitAsync(Write.NextVersion(Samples, Minimal("v") with { Version = 3, Name = "moved twice" }, 2));
        var abandoned = store.CommitAsync(Write.Insert(Samples, Minimal("abandoned")), giveUp.Token);
        var both = store.CommitAsync([Write.Insert(Samples, Minimal("pair-a")), Write.Insert(Samples, Minimal("pair-b") with { Code = "code-s-29" })]);
        await giveUp.CancelAsync();
        Assert.False(first.IsCompleted);
        Assert.False(inserts[0].IsCompleted);

        await ReleaseWriterAsync();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(inserts).WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<ConcurrencyException>(() => stale);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => takenCode);
        await move1;
        await move2; // sees the write before it in the same transaction
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => both); // all of one commit or none of it

        var stored = (await store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Id).ToList();
        Assert.Equal(["first", .. Enumerable.Range(0, 30).Select(n => $"s-{n:00}"), "v"], stored);
        var v = await store.GetAsync(Samples, "v");
        Assert.Equal((3L, "moved twice"), (v!.Version, v.Name));

        // The held first write, then everything that queued behind it: two transactions, not 37.
        Assert.Equal(2, store.Transactions - before);
    }

    [Fact]
    public async Task With_groups_of_one_every_write_has_a_transaction_of_its_own()
    {
        await using var store = new SqliteDocumentStore(File, maxCommitGroup: 1);
        await store.InitializeAsync([Samples]);
        var before = store.Transactions;

        var first = await HoldWriterAsync(store);
        var inserts = Enumerable.Range(0, 10).Select(n => store.CommitAsync(Write.Insert(Samples, Minimal($"s-{n}")))).ToList();
        await ReleaseWriterAsync();
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(inserts).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(11, store.Transactions - before);
        Assert.Equal(11, await store.CountAsync(Samples, Filter<Sample>.All));
    }

    [Fact]
    public async Task Concurrent_writers_from_many_threads_lose_nothing_and_share_transactions()
    {
        await using var store = new SqliteDocumentStore(File);
        await store.InitializeAsync([Samples]);
        await store.CommitAsync(Write.Insert(Samples, Minimal("counter")));
        var before = store.Transactions;

        await Task.WhenAll(Enumerable.Range(0, 400).Select(n => Task.Run(() => store.CommitAsync(
        [
            Write.Insert(Samples, Minimal($"s-{n:000}")),
            Write.Update(Samples, Filter<Sample>.Eq(x => x.Id, "counter"), new Update<Sample>().Inc(x => x.Count, 1)),
        ])))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(400, (await store.GetAsync(Samples, "counter"))!.Count);
        Assert.Equal(401, await store.CountAsync(Samples, Filter<Sample>.All));
        Assert.InRange(store.Transactions - before, 1, 400);
    }

    /// <summary>
    /// Another connection takes the file's write lock, then the store's first write (<c>first</c>) starts and waits for
    /// it holding the store's writer: what is committed after this call queues behind it.
    /// </summary>
    private async Task<Task> HoldWriterAsync(SqliteDocumentStore store)
    {
        _lock = new SqliteConnection($"Data Source={File};Pooling=False");
        await _lock.OpenAsync();
        await using (var begin = _lock.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        var first = store.CommitAsync(Write.Insert(Samples, Minimal("first")));

        // Taken from the queue (the writer takes the next group only once the last one is answered) and holding the writer.
        await Poll.UntilAsync(() => Task.FromResult(store.Waiting == 0 && store.Writing), "the first write to hold the store's writer");
        return first;
    }

    private async Task ReleaseWriterAsync()
    {
        await using var rollback = _lock!.CreateCommand();
        rollback.CommandText = "ROLLBACK";
        await rollback.ExecuteNonQueryAsync();
    }
}
