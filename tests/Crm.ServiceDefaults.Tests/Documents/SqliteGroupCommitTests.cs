using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.Data.Sqlite;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Commits that queue while the SQLite writer is busy run in one transaction, each in its own savepoint: as if they had
/// committed one after the other, one failing alone. Another connection holding the file's write lock keeps the store's
/// writer busy, so what queues meanwhile is known.
/// </summary>
public sealed class SqliteGroupCommitTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("crm-sqlite-group");
    private SqliteDocumentStore _store = null!;
    private SqliteConnection _other = null!;

    private string File => _directory.Combine("group.db");

    public async Task InitializeAsync()
    {
        _store = new SqliteDocumentStore(File);
        await _store.InitializeAsync([Samples]);
        await _store.CommitAsync(Write.Insert(Samples, Minimal("existing", "ana")));
        _other = new SqliteConnection($"Data Source={File}");
        await _other.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Queued_commits_run_in_one_transaction_in_order_and_a_failing_one_is_undone_alone()
    {
        var (groupsBefore, commitsBefore) = (_store.GroupsCommitted, _store.CommitsCommitted);
        var first = await HoldTheWriterAsync();

        var inserts = Enumerable.Range(0, 30).Select(n => _store.CommitAsync(Write.Insert(Samples, Minimal($"s-{n}", "ana")))).ToList();
        // Sees the insert queued before it (version 1) and replaces it.
        var replace = _store.CommitAsync(Write.Replace(Samples, Minimal("s-0", "bea") with { Version = 2 }, expectedVersion: 1));
        var duplicate = _store.CommitAsync(Write.Insert(Samples, Minimal("existing", "dup")));
        var stale = _store.CommitAsync(Write.Replace(Samples, Minimal("existing", "stale") with { Version = 8 }, expectedVersion: 7));
        // Two writes, the second refused: the first is undone with it.
        var half = _store.CommitAsync([Write.Insert(Samples, Minimal("half", "ana")), Write.Insert(Samples, Minimal("s-1", "again"))]);
        await ReleaseTheFileAsync();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(inserts).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L], await replace);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => duplicate);
        await Assert.ThrowsAsync<ConcurrencyException>(() => stale);
        await Assert.ThrowsAsync<DuplicateKeyException>(() => half);

        Assert.Equal("bea", (await _store.GetAsync(Samples, "s-0"))!.Name);
        Assert.Equal("ana", (await _store.GetAsync(Samples, "s-29"))!.Name);
        Assert.Equal("ana", (await _store.GetAsync(Samples, "existing"))!.Name);
        Assert.Null(await _store.GetAsync(Samples, "half"));
        Assert.Equal("ana", (await _store.GetAsync(Samples, "s-1"))!.Name);
        // One transaction (formed once SQLite let the first one begin) for the first and the 31 behind it that succeeded.
        Assert.Equal((1L, 32L), (_store.GroupsCommitted - groupsBefore, _store.CommitsCommitted - commitsBefore));
    }

    [Fact]
    public async Task A_commit_cancelled_while_it_waits_is_taken_back_and_never_committed()
    {
        var first = await HoldTheWriterAsync();
        using var cancel = new CancellationTokenSource();
        var withdrawn = _store.CommitAsync(Write.Insert(Samples, Minimal("withdrawn", "ana")), cancel.Token);
        var kept = _store.CommitAsync(Write.Insert(Samples, Minimal("kept", "ana")));

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.WaitAsync(TimeSpan.FromSeconds(30)));
        await ReleaseTheFileAsync();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await kept.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await _store.GetAsync(Samples, "withdrawn"));
        Assert.NotNull(await _store.GetAsync(Samples, "kept"));
    }

    /// <summary>
    /// Another connection takes the file's write lock, then a first commit starts: it holds the store's writer while
    /// SQLite's busy handler waits in its <c>BEGIN</c>, so every commit started until <see cref="ReleaseTheFileAsync"/>
    /// queues and joins its group.
    /// </summary>
    private async Task<Task> HoldTheWriterAsync()
    {
        await ExecuteAsync("BEGIN IMMEDIATE");
        var writeLock = (SemaphoreSlim)typeof(SqliteDocumentStore).GetField("_writer", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(_store)!;
        var first = Task.Run(() => _store.CommitAsync(Write.Insert(Samples, Minimal("first", "ana"))));
        await Poll.UntilAsync(() => Task.FromResult(writeLock.CurrentCount == 0), "the first commit to hold the store's writer");
        return first;
    }

    private Task ReleaseTheFileAsync() => ExecuteAsync("ROLLBACK");

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _other.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
