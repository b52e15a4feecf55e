using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// Gathers the items concurrent callers hand it (e.g. the deliveries of a queue, each awaiting its outcome) into
/// batches, in lanes with a worker each: a worker takes every item waiting in its lane, up to <c>batchSize</c>, as soon as
/// it is free (no waiting for a batch to fill: one item alone goes at once), hands them to <c>handle</c> and gives each
/// caller its item's outcome. Batches of one lane never overlap; lanes run side by side. A batch that throws fails each
/// of its items with that exception. Run it (<see cref="RunAsync"/>) from a hosted service; when it stops, every item
/// still waiting fails with <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class Batcher<TItem, TOutcome>
{
    private readonly Channel<Pending>[] _lanes;
    private readonly int _batchSize;
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TOutcome>>> _handle;
    private readonly ILogger _logger;

    public Batcher(int lanes, int batchSize, Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TOutcome>>> handle, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _lanes = [.. Enumerable.Range(0, lanes).Select(_ => Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true }))];
        _batchSize = batchSize;
        _handle = handle;
        _logger = logger;
    }

    /// <summary>Hands <paramref name="item"/> to the next batch of lane <paramref name="lane"/> and answers its outcome.</summary>
    public Task<TOutcome> SubmitAsync(TItem item, int lane)
    {
        var pending = new Pending(item, new TaskCompletionSource<TOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_lanes[lane].Writer.TryWrite(pending))
        {
            pending.Done.TrySetException(Stopping());
        }

        return pending.Done.Task;
    }

    /// <summary>The lane of a key (e.g. a contact id): the same key always takes the same lane.</summary>
    public int LaneOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_lanes.Length);

    /// <summary>Runs the lanes' workers until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(_lanes.Select(lane => WorkAsync(lane.Reader, stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lane in _lanes)
            {
                lane.Writer.TryComplete();
                while (lane.Reader.TryRead(out var left))
                {
                    left.Done.TrySetException(Stopping());
                }
            }
        }
    }

    private async Task WorkAsync(ChannelReader<Pending> waiting, CancellationToken stoppingToken)
    {
        while (await waiting.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<Pending>(Math.Min(_batchSize, 64));
            while (batch.Count < _batchSize && waiting.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var outcomes = await _handle([.. batch.Select(p => p.Item)], stoppingToken);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(outcomes[i]);
                }
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "A batch of {Count} failed; each of its items fails with it", batch.Count);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private static OperationCanceledException Stopping() => new("The service is stopping.");

    private sealed record Pending(TItem Item, TaskCompletionSource<TOutcome> Done);
}
