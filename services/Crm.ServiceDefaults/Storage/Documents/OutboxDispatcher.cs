using Crm.ServiceDefaults.Storage.Outbox;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Storage;

/// <summary>What one dispatch round did.</summary>
public sealed record DispatchResult(int Claimed, int Published, int Failed, int Dead);

/// <summary>
/// Publishes what the outbox holds: claims a batch with a lease (several replicas share the work), publishes it
/// with concurrent publisher confirms, marks what was confirmed sent in one statement, and gives every record that
/// failed a back-off (1 s doubling to <see cref="OutboxOptions.MaxBackoff"/>) before it may be claimed again; after
/// <see cref="OutboxOptions.MaxAttempts"/> failures a record is set aside as dead (metric, operator endpoint) and
/// never blocks the others. A commit that wrote events wakes it at once. Delivery is at least once and unordered:
/// a crash between publish and mark publishes again with the same MessageId, which the consumers' inboxes drop.
/// </summary>
public sealed class OutboxDispatcher(
    IDocumentStore store,
    IBus bus,
    OutboxSignal signal,
    OutboxOptions options,
    StoreReadiness readiness,
    StorageMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly DocumentCollection<OutboxRecord> Outbox = PlatformCollections.Outbox;
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private DateTimeOffset _nextCount = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        try
        {
            // Publish only once the bus is started (queues bound) and the store is initialised.
            await WhenStartedAsync(stoppingToken);
            await readiness.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await DispatchOnceAsync(stoppingToken);
                failures = 0;
                await CountIfDueAsync(stoppingToken);
                if (result.Claimed < options.BatchSize)
                {
                    await signal.WaitAsync(options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(failures, 7))));
                logger.LogWarning(ex, "Outbox dispatch failed ({Failures} in a row); trying again in {Delay}", failures, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims one batch, publishes it and records the outcome of every record.</summary>
    public async Task<DispatchResult> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        var token = Ids.New();
        var batch = await store.ClaimAsync(
            PlatformQueries.ClaimableOutbox(now, options.BatchSize),
            new Update<OutboxRecord>().Set(x => x.LeaseOwner, _owner).Set(x => x.LeaseToken, token).Set(x => x.LeaseUntil, now + options.Lease),
            Filter<OutboxRecord>.Eq(x => x.LeaseToken, token),
            cancellationToken);
        if (batch.Count == 0)
        {
            return new DispatchResult(0, 0, 0, 0);
        }

        Tuple<OutboxRecord, Exception?>[] outcomes;
        using (var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // A broker that does not confirm within the lease's first half fails the attempt (the record backs off).
            publishing.CancelAfter(options.Lease / 2);
            outcomes = await Task.WhenAll(batch.Select(r => PublishAsync(r, publishing.Token)));
        }

        var after = time.UtcNowMs();
        var writes = new List<WriteOperation>();
        var sent = outcomes.Where(o => o.Item2 is null).Select(o => o.Item1.Id).ToList();
        if (sent.Count > 0)
        {
            writes.Add(Write.Update(
                Outbox,
                Filter<OutboxRecord>.In(x => x.Id, sent) & Filter<OutboxRecord>.Eq(x => x.LeaseToken, token),
                new Update<OutboxRecord>().Set(x => x.SentAt, after).Unset(x => x.LeaseOwner).Unset(x => x.LeaseToken).Unset(x => x.LeaseUntil),
                expectOne: false));
        }

        var dead = 0;
        foreach (var (record, error) in outcomes.Where(o => o.Item2 is not null))
        {
            var attempts = record.Attempts + 1;
            var update = new Update<OutboxRecord>()
                .Set(x => x.Attempts, attempts)
                .Set(x => x.LastError, Truncate($"{error!.GetType().Name}: {error.Message}"))
                .Unset(x => x.LeaseOwner)
                .Unset(x => x.LeaseToken);
            if (attempts >= options.MaxAttempts)
            {
                dead++;
                update = update.Set(x => x.DeadAt, after).Unset(x => x.LeaseUntil);
                logger.LogError(error, "Outbox record {Id} ({Type}) failed {Attempts} times and is set aside as dead; requeue it with POST /admin/outbox/dead/requeue once the cause is fixed", record.Id, record.Type, attempts);
            }
            else
            {
                var backoff = Backoff(attempts);
                update = update.Set(x => x.LeaseUntil, after + backoff);
                logger.LogWarning(error, "Outbox record {Id} ({Type}) failed (attempt {Attempts}); next attempt in {Backoff}", record.Id, record.Type, attempts, backoff);
            }

            writes.Add(Write.Update(Outbox, Filter<OutboxRecord>.Eq(x => x.Id, record.Id) & Filter<OutboxRecord>.Eq(x => x.LeaseToken, token), update, expectOne: false));
        }

        // The outcome must be recorded even when the dispatcher is stopping: what was published stays published.
        await store.CommitAsync(writes, CancellationToken.None);
        metrics.OutboxPublished.Add(sent.Count);
        metrics.OutboxFailures.Add(batch.Count - sent.Count);
        return new DispatchResult(batch.Count, sent.Count, batch.Count - sent.Count, dead);
    }

    /// <summary>The wait after failed attempt number <paramref name="attempts"/>: 1 s, 2 s, 4 s, ... up to the maximum.</summary>
    public TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(options.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts - 1, 20))));

    private async Task<Tuple<OutboxRecord, Exception?>> PublishAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var (message, type) = OutboxSerializer.Read(record.Type, record.Body);
            var messageId = Guid.ParseExact(record.Id, "N");
            await bus.Publish(message, type, context => context.MessageId = messageId, cancellationToken);
            return Tuple.Create(record, (Exception?)null);
        }
        catch (Exception ex)
        {
            return Tuple.Create(record, (Exception?)ex);
        }
    }

    private async Task CountIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < _nextCount)
        {
            return;
        }

        _nextCount = now.AddSeconds(10);
        metrics.ReportOutbox(await store.CountAsync(PlatformQueries.PendingOutbox(), cancellationToken), await store.CountAsync(PlatformQueries.DeadOutbox(), cancellationToken));
    }

    private async Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            await started.Task;
        }
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];
}
