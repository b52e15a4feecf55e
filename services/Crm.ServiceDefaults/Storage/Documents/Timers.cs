using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Storage;

/// <summary>A timer that is due, as its handler sees it.</summary>
public sealed record DueTimer(string Kind, string Key, DateTimeOffset DueAt, string? Payload, int Attempt)
{
    public T? PayloadAs<T>() => Payload is null ? default : System.Text.Json.JsonSerializer.Deserialize<T>(Payload, DocumentJson.Options);
}

/// <summary>
/// Runs the timers of one kind when they are due, in a unit of work of their own: its writes, events and the
/// removal of the timer commit together, so a timer's effect happens once. Scheduling the same kind and key again
/// from the handler makes it recurring. Throwing makes the runner try again later (with back-off).
/// </summary>
public interface ITimerHandler
{
    /// <summary>The kind of timer this handler runs (what <see cref="UnitOfWork.Schedule"/> was given).</summary>
    string Kind { get; }

    /// <summary>Failed runs after which a timer of this kind is set aside as dead; null: <see cref="TimerOptions.MaxAttempts"/>.</summary>
    int? MaxAttempts => null;

    Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken);
}

/// <summary>Config section <c>Timers</c>.</summary>
public sealed class TimerOptions
{
    public const string Section = "Timers";

    /// <summary>How often the runner looks for due timers.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a claimed timer is reserved for its runner (longer than any handler takes).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);
    public int BatchSize { get; set; } = 50;
    /// <summary>How many claimed timers one runner fires at once (each in its own unit of work).</summary>
    public int Concurrency { get; set; } = 4;
    /// <summary>Failed runs after which a timer is set aside as dead (the back-off doubles from 1 s up to <see cref="MaxBackoff"/>).</summary>
    public int MaxAttempts { get; set; } = 10;
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Fires durable timers: claims due timers with a lease (two runners, in one process or on several replicas, never
/// claim the same one; a timer that was due while every runner was down fires once when one is back), runs each
/// handler in its own unit of work that also deletes the timer, guarded by the lease: when the timer was moved or
/// cancelled meanwhile, the handler's effects are rolled back. A failing handler is retried with back-off and set
/// aside as dead after <see cref="TimerOptions.MaxAttempts"/> (or its handler's <see cref="ITimerHandler.MaxAttempts"/>).
/// </summary>
public sealed class TimerRunner(
    IServiceScopeFactory scopes,
    IDocumentStore store,
    TimerOptions options,
    StoreReadiness readiness,
    StorageMetrics metrics,
    TimeProvider time,
    ILogger<TimerRunner> logger) : BackgroundService
{
    private static readonly DocumentCollection<TimerRecord> Timers = PlatformCollections.Timers;
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        try
        {
            await readiness.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                int fired;
                try
                {
                    fired = await RunDueAsync(stoppingToken);
                    metrics.ReportTimers(
                        await store.CountAsync(PlatformQueries.DueTimers(time.UtcNowMs()), stoppingToken),
                        await store.CountAsync(PlatformQueries.DeadTimers(), stoppingToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Claiming due timers failed; trying again in {Interval}", options.PollInterval);
                    fired = 0;
                }

                if (fired < options.BatchSize)
                {
                    await Task.Delay(options.PollInterval, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Claims the timers due now and runs them, <see cref="TimerOptions.Concurrency"/> at once, most overdue first. Returns how many were claimed.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.UtcNowMs();
        var token = Ids.New();
        var due = await store.ClaimAsync(
            PlatformQueries.ClaimableTimers(now, options.BatchSize),
            new Update<TimerRecord>().Set(x => x.LeaseOwner, _owner).Set(x => x.LeaseToken, token).Set(x => x.LeaseUntil, now + options.Lease),
            Filter<TimerRecord>.Eq(x => x.LeaseToken, token),
            cancellationToken);
        await Parallel.ForEachAsync(
            due.OrderBy(t => t.DueAt),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency) },
            async (timer, _) => await FireAsync(timer, token, cancellationToken));

        return due.Count;
    }

    private async Task FireAsync(TimerRecord timer, string token, CancellationToken cancellationToken)
    {
        var held = Filter<TimerRecord>.Eq(x => x.Id, timer.Id) & Filter<TimerRecord>.Eq(x => x.LeaseToken, token);
        var maxAttempts = options.MaxAttempts;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetServices<ITimerHandler>().FirstOrDefault(h => h.Kind == timer.Kind)
                ?? throw new InvalidOperationException($"No handler is registered for timers of kind '{timer.Kind}'.");
            maxAttempts = handler.MaxAttempts ?? maxAttempts;
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();

            // First in the commit: the timer is still ours (not moved, not cancelled), and it is gone with the effects.
            unit.Delete(Timers, held, expectOne: true);
            using var activity = ActivitySource.StartActivity($"timer {timer.Kind}");
            await handler.HandleAsync(new DueTimer(timer.Kind, timer.Key, timer.DueAt, timer.Payload, timer.Attempts + 1), unit, cancellationToken);
            await unit.CommitAsync(cancellationToken);
            metrics.TimersFired.Add(1);
            metrics.TimerLateness.Record(Math.Max(0, (time.GetUtcNow() - timer.DueAt).TotalSeconds));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the lease runs out and another runner (or this one after a restart) fires it.
        }
        catch (Exception ex)
        {
            if (ex is ConcurrencyException && !await StillHeldAsync(timer.Id, token))
            {
                // Moved or cancelled while its handler ran (a parked message parked again, say): its new state stands.
                logger.LogDebug("Timer {Kind}/{Key} was moved or cancelled while its handler ran; the handler's effects are dropped", timer.Kind, timer.Key);
                return;
            }

            metrics.TimerFailures.Add(1);
            await FailAsync(timer, held, ex, maxAttempts);
        }
    }

    /// <summary>Whether the timer still carries this runner's lease (true when that cannot be read: it is then handled as a failure).</summary>
    private async Task<bool> StillHeldAsync(string id, string token)
    {
        try
        {
            return (await store.GetAsync(Timers, id, CancellationToken.None))?.LeaseToken == token;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read timer {Id}", id);
            return true;
        }
    }

    private async Task FailAsync(TimerRecord timer, Filter<TimerRecord> held, Exception error, int maxAttempts)
    {
        var attempts = timer.Attempts + 1;
        var now = time.UtcNowMs();
        var update = new Update<TimerRecord>()
            .Set(x => x.Attempts, attempts)
            .Set(x => x.LastError, $"{error.GetType().Name}: {error.Message}")
            .Unset(x => x.LeaseOwner)
            .Unset(x => x.LeaseToken);
        if (attempts >= maxAttempts)
        {
            update = update.Set(x => x.DeadAt, now).Unset(x => x.LeaseUntil);
            logger.LogError(error, "Timer {Kind}/{Key} failed {Attempts} times and is set aside as dead", timer.Kind, timer.Key, attempts);
        }
        else
        {
            var backoff = TimeSpan.FromSeconds(Math.Min(options.MaxBackoff.TotalSeconds, Math.Pow(2, attempts - 1)));
            update = update.Set(x => x.LeaseUntil, now + backoff);
            logger.LogWarning(error, "Timer {Kind}/{Key} failed (attempt {Attempts}); next attempt in {Backoff}", timer.Kind, timer.Key, attempts, backoff);
        }

        try
        {
            // Guarded by the lease: a timer moved or cancelled meanwhile is left as its new owner wrote it.
            await store.CommitAsync(Write.Update(Timers, held, update, expectOne: false), CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record the failure of timer {Kind}/{Key}; its lease runs out and it fires again", timer.Kind, timer.Key);
        }
    }

    private static readonly ActivitySource ActivitySource = new("Crm.Storage");
}
