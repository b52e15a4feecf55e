using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Storage.Outbox;

/// <summary>
/// Publishes what the outbox holds, oldest first, and marks it sent. A crash between publish and mark re-publishes
/// with the same MessageId, which consumers' inboxes drop. Several replicas share the work through leases.
/// </summary>
public sealed class LegacyOutboxDispatcher(
    IOutboxStore store,
    IBus bus,
    OutboxSignal signal,
    OutboxOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<LegacyOutboxDispatcher> logger) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        // The bus is started (queues bound) once the application has started.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (TaskCanceledException)
            {
                return;
            }
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var published = await DispatchOnceAsync(stoppingToken);
                failures = 0;
                await PruneIfDueAsync(stoppingToken);
                if (published < options.BatchSize)
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
                logger.LogWarning(ex, "Outbox dispatch failed ({Failures} in a row); retrying in {Delay}", failures, delay);
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

    /// <summary>Claims one batch, publishes it in order and marks what was published. Returns how many were published.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var batch = await store.ClaimAsync(_owner, options.BatchSize, options.Lease, cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var sent = new List<string>(batch.Count);
        try
        {
            foreach (var record in batch.OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                var (message, type) = OutboxSerializer.Read(record);
                var messageId = Guid.ParseExact(record.Id, "N");
                await bus.Publish(message, type, context => context.MessageId = messageId, cancellationToken);
                sent.Add(record.Id);
            }
        }
        finally
        {
            if (sent.Count > 0)
            {
                await store.MarkSentAsync(sent, CancellationToken.None);
            }
        }

        return sent.Count;
    }

    private async Task PruneIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < _nextPrune)
        {
            return;
        }

        _nextPrune = now.AddMinutes(10);
        await store.PruneAsync(now.AddDays(-1), now.AddDays(-14), now.AddHours(-48), cancellationToken);
    }
}
