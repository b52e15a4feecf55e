using System.Collections.Concurrent;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Start-up of the store without a MongoDB server (review findings M2, M3, M19): a MongoDB store that is not
/// reachable yet, or not a replica set, keeps the service up and not ready, retrying with back-off, instead of
/// crashing the process; SQLite initialises before anything else starts.
/// </summary>
public sealed class StoreInitializerTests
{
    private readonly FakeTimeProvider _time = new(T0);

    /// <summary>M2 / M19: unreachable at start → not ready with the reason, retried 1 s, 2 s, ... later, ready once it answers.</summary>
    [Fact]
    public async Task A_store_that_is_not_reachable_yet_is_retried_with_back_off_while_the_service_stays_up_and_not_ready()
    {
        var store = new FlakyStore(_time, new TimeoutException("No server is reachable (server selection timed out)."), new TimeoutException("Still unreachable."), new TimeoutException("Still unreachable."));
        var readiness = new StoreReadiness();
        using var initializer = Initializer(store, readiness);
        var health = new StoreHealthCheck(store, readiness);

        await initializer.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(() => !store.Attempts.IsEmpty && readiness.Problem is not null, "the first attempt");

        Assert.False(readiness.IsReady);
        var unhealthy = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("No server is reachable", unhealthy.Description, StringComparison.Ordinal);

        await AdvanceUntilAsync(() => readiness.IsReady, "the store to be ready");
        var attempts = store.Attempts.ToList();
        Assert.Equal(4, attempts.Count);
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromSeconds(1), $"waited {attempts[1] - attempts[0]} before the second attempt");
        Assert.True(attempts[2] - attempts[1] >= TimeSpan.FromSeconds(2), $"waited {attempts[2] - attempts[1]} before the third attempt");
        Assert.True(attempts[3] - attempts[2] >= TimeSpan.FromSeconds(4), $"waited {attempts[3] - attempts[2]} before the fourth attempt");
        Assert.Null(readiness.Problem);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        await initializer.StopAsync(CancellationToken.None);
    }

    /// <summary>M3: a standalone server keeps the service not ready, with the reason, and never crashes it.</summary>
    [Fact]
    public async Task A_server_that_is_not_a_replica_set_keeps_the_service_not_ready_with_the_reason()
    {
        var store = new FlakyStore(_time, Enumerable.Repeat<Exception>(new MongoTopologyException("MongoDB answers as a standalone server."), 100).ToArray());
        var readiness = new StoreReadiness();
        using var initializer = Initializer(store, readiness);

        await initializer.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(() => store.Attempts.Count >= 3, "three attempts");

        Assert.False(readiness.IsReady);
        Assert.Equal("MongoDB answers as a standalone server.", readiness.Problem);
        await initializer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stopping_ends_the_retries()
    {
        var store = new FlakyStore(_time, Enumerable.Repeat<Exception>(new TimeoutException("unreachable"), 100).ToArray());
        using var initializer = Initializer(store, new StoreReadiness());
        await initializer.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(() => store.Attempts.Count >= 2, "two attempts");

        await initializer.StopAsync(CancellationToken.None);
        var attempts = store.Attempts.Count;
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(attempts, store.Attempts.Count);
    }

    [Fact]
    public async Task Sqlite_is_initialised_before_start_up_goes_on_and_a_failure_stops_it()
    {
        using var directory = new TempDirectory("crm-initializer");
        await using var sqlite = new SqliteDocumentStore(directory.Combine("defaults.db"));
        var readiness = new StoreReadiness();
        using (var initializer = Initializer(sqlite, readiness))
        {
            await initializer.StartAsync(CancellationToken.None);
        }

        Assert.True(readiness.IsReady);
        Assert.Equal(0, await sqlite.CountAsync(Samples, Filter<Sample>.All));

        // A file that cannot be opened (here: a directory) is a real fault: start-up fails.
        await using var broken = new SqliteDocumentStore(directory.Path);
        var notReady = new StoreReadiness();
        using var failing = Initializer(broken, notReady);
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => failing.StartAsync(CancellationToken.None));
        Assert.False(notReady.IsReady);
    }

    private StoreInitializer Initializer(IDocumentStore store, StoreReadiness readiness) =>
        new(store, new StorageCollections([.. PlatformCollections.All, Samples]), readiness, _time, NullLogger<StoreInitializer>.Instance);

    /// <summary>Moves the fake clock on in small steps until <paramref name="condition"/> holds (the back-off waits on that clock).</summary>
    private Task AdvanceUntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(
            () =>
            {
                if (condition())
                {
                    return Task.FromResult(true);
                }

                _time.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(false);
            },
            what);

    /// <summary>A store (not SQLite, so initialised in the background) whose first initialisations fail with the given errors.</summary>
    private sealed class FlakyStore(TimeProvider time, params Exception[] failures) : IDocumentStore
    {
        public ConcurrentQueue<DateTimeOffset> Attempts { get; } = new();

        public string Provider => "mongo";

        public Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default)
        {
            Attempts.Enqueue(time.GetUtcNow());
            return Attempts.Count <= failures.Length ? Task.FromException(failures[Attempts.Count - 1]) : Task.CompletedTask;
        }

        public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();
    }
}
