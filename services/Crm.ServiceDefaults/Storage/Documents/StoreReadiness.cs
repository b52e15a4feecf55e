using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Storage;

/// <summary>The service's collections: the platform's and its own.</summary>
public sealed record StorageCollections(IReadOnlyList<IDocumentCollection> All);

/// <summary>
/// Whether the store is initialised (tables, collections, indexes). Until it is, the service is not ready, consumers
/// hold their messages, and the outbox and timers wait.
/// </summary>
public sealed class StoreReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Why it is not ready yet (the last initialisation error).</summary>
    public string? Problem { get; internal set; }

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    internal void SetReady()
    {
        Problem = null;
        _ready.TrySetResult();
    }
}

/// <summary>
/// Initialises the store at start-up. SQLite: at once (a failure is a real fault: the process stops). MongoDB: in
/// the background, again and again with back-off (1 s doubling to 30 s) while the server is unreachable or is not
/// a replica set; the service stays up and not ready meanwhile, so a MongoDB outage at start never becomes a crash
/// loop, and the reason is in the log and in <c>/health/ready</c>.
/// </summary>
internal sealed class StoreInitializer(
    IDocumentStore store,
    StorageCollections collections,
    StoreReadiness readiness,
    TimeProvider time,
    ILogger<StoreInitializer> logger) : IHostedService, IDisposable
{
    private CancellationTokenSource? _stopping;
    private Task? _background;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is SqliteDocumentStore sqlite)
        {
            await store.InitializeAsync(collections.All, cancellationToken);
            foreach (var table in sqlite.SetAsideTables)
            {
                logger.LogWarning("Table {Table} in {File} holds data of the layout before the document layer; it was set aside, not migrated", table, sqlite.Path);
            }

            readiness.SetReady();
            return;
        }

        _stopping = new CancellationTokenSource();
        var stopping = _stopping.Token;
        _background = Task.Run(() => InitializeUntilReadyAsync(stopping), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, null) is not { } stopping)
        {
            return;
        }

        await stopping.CancelAsync();
        await _background!.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        stopping.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _stopping, null)?.Dispose();

    private async Task InitializeUntilReadyAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            attempt++;
            try
            {
                await store.InitializeAsync(collections.All, stopping);
                readiness.SetReady();
                logger.LogInformation("The {Provider} store is ready (after {Attempts} attempt(s))", store.Provider, attempt);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                readiness.Problem = ex.Message;
                if (MongoConnection.IsTransient(ex))
                {
                    logger.LogWarning("Waiting for the {Provider} store ({Reason}); trying again in {Delay}", store.Provider, ex.Message, delay);
                }
                else
                {
                    // Not transient (a standalone server, an index the server refuses, wrong credentials): an operator
                    // has to act; the service stays up and not ready, and keeps trying.
                    logger.LogError(ex, "The {Provider} store cannot be used: {Reason} Trying again in {Delay}.", store.Provider, ex.Message, delay);
                }
            }

            try
            {
                await Task.Delay(delay, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, delay.Ticks * 2));
        }
    }
}

/// <summary>Ready when the store is initialised and answers a ping within 5 s.</summary>
internal sealed class StoreHealthCheck(IDocumentStore store, StoreReadiness readiness) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!readiness.IsReady)
        {
            return HealthCheckResult.Unhealthy($"The {store.Provider} store is not initialised yet: {readiness.Problem ?? "starting"}");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await store.PingAsync(timeout.Token);
            return HealthCheckResult.Healthy(store.Provider);
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"The {store.Provider} store does not answer.", ex);
        }
    }
}

/// <summary>SQLite only: deletes documents past their collection's TTL every 10 minutes (MongoDB's TTL indexes do it there).</summary>
internal sealed class SqliteHousekeeping(
    SqliteDocumentStore store,
    StorageCollections collections,
    StoreReadiness readiness,
    TimeProvider time,
    ILogger<SqliteHousekeeping> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await readiness.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var deleted = await store.PruneExpiredAsync(collections.All, time.GetUtcNow(), stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogDebug("Pruned {Count} expired documents", deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Pruning expired documents failed; trying again in {Interval}", Interval);
                }

                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
