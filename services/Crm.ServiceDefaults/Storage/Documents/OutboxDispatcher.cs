using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage.Outbox;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Storage;

/// <summary>What one dispatch round did.</summary>
public sealed record DispatchResult(int Claimed, int Published, int Failed, int Dead)
{
    public static readonly DispatchResult None = new(0, 0, 0, 0);

    public static DispatchResult operator +(DispatchResult a, DispatchResult b) =>
        new(a.Claimed + b.Claimed, a.Published + b.Published, a.Failed + b.Failed, a.Dead + b.Dead);
}

/// <summary>
/// Publishes what the outbox holds. One replica at a time publishes (it holds the <c>outbox</c> lease, renewed while
/// it works; when it dies another takes over once the lease ran out), so records need no lease of their own: a
/// round reads the oldest due records, publishes them with concurrent publisher confirms, and deletes what the broker
/// confirmed in one statement; while the outbox holds more than a batch, the outcome of one round is written
/// while the next round publishes. A record whose publish failed backs off (1 s doubling to
/// <see cref="OutboxOptions.MaxBackoff"/>) without holding back the others; after <see cref="OutboxOptions.MaxAttempts"/>
/// failures it is set aside as dead (metric, operator endpoint). A commit that wrote events wakes it at once.
/// Delivery is at least once and unordered: a crash between publish and delete publishes again with the same
/// MessageId, which the consumers' inboxes drop.
/// </summary>
public sealed class OutboxDispatcher(
    IDocumentStore store,
    OutboxSignal signal,
    OutboxOptions options,
    StoreReadiness readiness,
    StorageMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger,
    IBus? bus = null) : BackgroundService
{
    private static readonly DocumentCollection<OutboxRecord> Outbox = PlatformCollections.Outbox;
    /// <summary>The lease that makes one replica the publisher.</summary>
    public const string LeaseName = "outbox";

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private DateTimeOffset _leaseUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _nextCount = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled || bus is null)
        {
            // No bus (the gateway keeps a store but publishes no events): nothing to dispatch.
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
        var sentDeleted = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!sentDeleted)
                {
                    await DeleteSentAsync(stoppingToken);
                    sentDeleted = true;
                }

                await DrainAsync(stoppingToken);
                failures = 0;
                await CountIfDueAsync(stoppingToken);

                // Drained (or another replica holds the lease): wait for a commit, or the poll interval.
                await signal.WaitAsync(options.PollInterval, stoppingToken);
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

    /// <summary>
    /// Rounds back to back until one finds less than a full batch (or the lease is lost): round N+1 is read and
    /// published while the outcome of round N is written, so the store's writes overlap the broker's confirms.
    /// What it returns adds up every round.
    /// </summary>
    public async Task<DispatchResult> DrainAsync(CancellationToken cancellationToken)
    {
        var total = DispatchResult.None;
        Task<DispatchResult>? recording = null;
        HashSet<string> recordingIds = [];
        try
        {
            while (await HoldLeaseAsync(cancellationToken))
            {
                // The round being recorded may not be deleted yet: leave its records out.
                var batch = await ReadDueAsync(recordingIds, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                var publishing = PublishAllAsync(batch, cancellationToken);
                if (recording is not null)
                {
                    total += await recording;
                    recording = null;
                }

                // On its own task: the SQLite provider writes synchronously inside its async calls.
                var outcomes = await publishing;
                recording = Task.Run(() => RecordAsync(batch, outcomes), CancellationToken.None);
                recordingIds = batch.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
                if (batch.Count < options.BatchSize)
                {
                    break;
                }
            }
        }
        finally
        {
            if (recording is not null)
            {
                total += await recording;
            }
        }

        return total;
    }

    /// <summary>
    /// One round: unless another replica holds the lease, publishes the oldest due records and records the outcome of
    /// every one. <see cref="DispatchResult.Claimed"/> is how many it read (0 when it does not hold the lease).
    /// </summary>
    public async Task<DispatchResult> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        if (!await HoldLeaseAsync(cancellationToken))
        {
            return DispatchResult.None;
        }

        var batch = await ReadDueAsync([], cancellationToken);
        return batch.Count == 0 ? DispatchResult.None : await RecordAsync(batch, await PublishAllAsync(batch, cancellationToken));
    }

    /// <summary>The oldest due records, at most a batch, leaving out <paramref name="exclude"/>.</summary>
    private async Task<IReadOnlyList<OutboxRecord>> ReadDueAsync(HashSet<string> exclude, CancellationToken cancellationToken)
    {
        var due = await store.FindAsync(PlatformQueries.DueOutbox(time.UtcNowMs(), options.BatchSize + exclude.Count), cancellationToken);
        return exclude.Count == 0 ? due : due.Where(r => !exclude.Contains(r.Id)).Take(options.BatchSize).ToList();
    }

    /// <summary>Publishes the batch with concurrent confirms; per record, the error or null when the broker confirmed it.</summary>
    private async Task<Exception?[]> PublishAllAsync(IReadOnlyList<OutboxRecord> batch, CancellationToken cancellationToken)
    {
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A broker that does not confirm within half the lease fails the attempt (the record backs off).
        publishing.CancelAfter(options.Lease / 2);
        return await Task.WhenAll(batch.Select(r => PublishAsync(r, publishing.Token)));
    }

    /// <summary>Writes the outcome of a round in one commit: sent, backing off, or dead.</summary>
    private async Task<DispatchResult> RecordAsync(IReadOnlyList<OutboxRecord> batch, Exception?[] outcomes)
    {
        CrashPoints.Reached(CrashPoints.OutboxAfterPublish);
        var after = time.UtcNowMs();
        var writes = new List<WriteOperation>();
        var sent = batch.Where((_, i) => outcomes[i] is null).Select(r => r.Id).ToList();
        if (sent.Count > 0)
        {
            writes.Add(Write.Delete(Outbox, Filter<OutboxRecord>.In(x => x.Id, sent), expectOne: false));
        }

        var dead = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is not { } error)
            {
                continue;
            }

            var record = batch[i];
            var attempts = record.Attempts + 1;
            var update = new Update<OutboxRecord>().Set(x => x.Attempts, attempts).Set(x => x.LastError, Truncate($"{error.GetType().Name}: {error.Message}"));
            if (attempts >= options.MaxAttempts)
            {
                dead++;
                update = update.Set(x => x.DeadAt, after).Unset(x => x.RetryAt);
                logger.LogError(error, "Outbox record {Id} ({Type}) failed {Attempts} times and is set aside as dead; requeue it with POST /admin/outbox/dead/requeue once the cause is fixed", record.Id, record.Type, attempts);
            }
            else
            {
                var backoff = Backoff(attempts);
                update = update.Set(x => x.RetryAt, after + backoff);
                logger.LogWarning(error, "Outbox record {Id} ({Type}) failed (attempt {Attempts}); next attempt in {Backoff}", record.Id, record.Type, attempts, backoff);
            }

            writes.Add(Write.Update(Outbox, Filter<OutboxRecord>.Eq(x => x.Id, record.Id), update, expectOne: false));
        }

        // The outcome must be recorded even when the dispatcher is stopping: what was published stays published.
        await store.CommitAsync(writes, CancellationToken.None);
        metrics.OutboxPublished.Add(sent.Count);
        metrics.OutboxFailures.Add(batch.Count - sent.Count);
        return new DispatchResult(batch.Count, sent.Count, batch.Count - sent.Count, dead);
    }

    /// <summary>
    /// Deletes what an earlier layout kept, marked sent, instead of deleting it: it was published, so it must not be
    /// published again. Batches of 1,000; a no-op (one indexless read of an outbox that holds only unpublished
    /// records) once done. Returns how many it deleted.
    /// </summary>
    public async Task<int> DeleteSentAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        while (true)
        {
            var sent = await store.FindAsync(PlatformQueries.SentOutbox(1000), cancellationToken);
            if (sent.Count == 0)
            {
                break;
            }

            await store.CommitAsync([PlatformQueries.DeleteSentOutbox(sent.Select(r => r.Id).ToList())], cancellationToken);
            deleted += sent.Count;
        }

        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} outbox records an earlier version kept after publishing them", deleted);
        }

        return deleted;
    }

    /// <summary>Takes the lease, or renews it once a third of it has passed; false while another replica holds it.</summary>
    private async Task<bool> HoldLeaseAsync(CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        if (now + (options.Lease * 2 / 3) < _leaseUntil)
        {
            return true;
        }

        var until = now + options.Lease;
        try
        {
            await store.CommitAsync(
                [
                    Write.InsertIfAbsent(PlatformCollections.Leases, new LeaseRecord { Id = LeaseName, Owner = string.Empty, Until = DateTimeOffset.UnixEpoch }),
                    PlatformQueries.TakeLease(LeaseName, _owner, now, until),
                ],
                cancellationToken);
            _leaseUntil = until;
            return true;
        }
        catch (ConcurrencyException)
        {
            _leaseUntil = DateTimeOffset.MinValue;
            return false;
        }
    }

    /// <summary>The wait after failed attempt number <paramref name="attempts"/>: 1 s, 2 s, 4 s, ... up to the maximum.</summary>
    public TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(options.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts - 1, 20))));

    /// <summary>Publishes one record with its id as MessageId; the error, or null when the broker confirmed it.</summary>
    private async Task<Exception?> PublishAsync(OutboxRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var (message, type) = OutboxSerializer.Read(record.Type, record.Body);
            var messageId = Guid.ParseExact(record.Id, "N");
            await bus!.Publish(message, type, context => context.MessageId = messageId, cancellationToken);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
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
