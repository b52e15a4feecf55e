using Crm.ServiceDefaults.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// <see cref="Batcher{TItem,TOutcome}"/>: what waits while a lane's worker is busy goes in its next batch (up to the batch
/// size), one item alone goes at once, batches of one lane never overlap, each caller gets its own item's outcome, a
/// failing batch fails each of its items, and stopping fails what still waits.
/// </summary>
public sealed class BatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Items_waiting_while_the_worker_is_busy_go_together_and_each_caller_gets_its_own_outcome()
    {
        var batches = new List<IReadOnlyList<int>>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var overlapped = false;
        var batcher = new Batcher<int, string>(1, 4, async (items, _) =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            lock (batches)
            {
                batches.Add(items);
            }

            firstStarted.TrySetResult();
            await release.Task;
            Interlocked.Decrement(ref running);
            return [.. items.Select(i => $"item {i}")];
        }, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = batcher.RunAsync(stop.Token);

        var first = batcher.SubmitAsync(0, 0);
        await firstStarted.Task.WaitAsync(Deadline);
        // The worker is busy with item 0: six more wait; they go as a batch of four, then one of two.
        var waiting = Enumerable.Range(1, 6).Select(i => batcher.SubmitAsync(i, 0)).ToList();
        release.TrySetResult();

        Assert.Equal("item 0", await first.WaitAsync(Deadline));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"item {i}"), await Task.WhenAll(waiting).WaitAsync(Deadline));
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6]], batches.Select(b => b.ToArray()));
        Assert.False(overlapped);

        await stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_items_and_the_next_batch_still_runs()
    {
        var batcher = new Batcher<int, int>(2, 10, (items, _) =>
            items.Contains(13) ? throw new InvalidOperationException("unlucky") : Task.FromResult<IReadOnlyList<int>>([.. items.Select(i => i * 2)]), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = batcher.RunAsync(stop.Token);

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SubmitAsync(13, 1).WaitAsync(Deadline));
        Assert.Equal("unlucky", failed.Message);
        Assert.Equal(42, await batcher.SubmitAsync(21, 1).WaitAsync(Deadline));
        Assert.Equal(8, await batcher.SubmitAsync(4, 0).WaitAsync(Deadline));

        await stop.CancelAsync();
        await run.WaitAsync(Deadline);
    }

    [Fact]
    public async Task Stopping_fails_the_items_still_waiting_and_refuses_new_ones()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new Batcher<int, int>(1, 1, async (items, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return items;
        }, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = batcher.RunAsync(stop.Token);
        var busy = batcher.SubmitAsync(1, 0);
        await started.Task.WaitAsync(Deadline);
        var waiting = batcher.SubmitAsync(2, 0);

        await stop.CancelAsync();
        await run.WaitAsync(Deadline);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => busy.WaitAsync(Deadline));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Deadline));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batcher.SubmitAsync(3, 0).WaitAsync(Deadline));
    }

    [Fact]
    public void A_key_always_takes_the_same_lane()
    {
        var batcher = new Batcher<int, int>(4, 1, (items, _) => Task.FromResult(items), NullLogger.Instance);

        Assert.All(["contact-1", "contact-2", "x"], key => Assert.Equal(batcher.LaneOf(key), batcher.LaneOf(new string(key.ToCharArray()))));
        Assert.All(Enumerable.Range(0, 100).Select(i => batcher.LaneOf($"k{i}")), lane => Assert.InRange(lane, 0, 3));
    }
}
