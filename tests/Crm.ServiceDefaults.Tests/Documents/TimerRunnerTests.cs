using System.Collections.Concurrent;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Durable timers on both backends (DESIGN.md §5): a timer fires once when due, in a unit of work that removes it
/// with the handler's effects; it survives a restart, two replicas never fire it twice, a failing handler is retried
/// with back-off and set aside, and a timer moved while its handler ran keeps its new time without the handler's
/// effects.
/// </summary>
public sealed class TimerRunnerTests
{
    private readonly FakeTimeProvider _time = new(T0);
    private readonly FiredLog _fired = new();
    private readonly Fix _fix = new();

    public static TheoryData<Backend> Backends => TestStore.Backends;

    public sealed record Reminder(string Text, int Times);

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_timer_fires_once_when_due_with_its_payload_and_commits_its_effects_with_its_removal(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "remind", "lead-1", T0.AddSeconds(10), new Reminder("call back", 2));

        Assert.Equal(0, await runner.RunDueAsync());
        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await runner.RunDueAsync());
        Assert.Empty(_fired.All);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await runner.RunDueAsync());

        var fired = Assert.Single(_fired.All);
        Assert.Equal(new DueTimer("remind", "lead-1", T0.AddSeconds(10), "{\"text\":\"call back\",\"times\":2}", 1), fired);
        Assert.Equal(new Reminder("call back", 2), fired.PayloadAs<Reminder>());
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
        Assert.NotNull(await store.Store.GetAsync(Samples, Effect(fired)));
        Assert.Equal(["lead-1"], (await store.PendingEventsAsync<LeadCaptured>()).Select(e => e.LeadId));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await runner.RunDueAsync());
        Assert.Single(_fired.All);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Scheduling_again_moves_a_timer_and_cancelling_removes_it(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "remind", "moved", T0.AddSeconds(10));
        await ScheduleAsync(store, "remind", "cancelled", T0.AddSeconds(10));
        await ScheduleAsync(store, "remind", "moved", T0.AddHours(1));
        var unit = store.NewUnit(_time);
        unit.CancelTimer("remind", "cancelled");
        await unit.CommitAsync();

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await runner.RunDueAsync());
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await runner.RunDueAsync());

        Assert.Equal([("moved", T0.AddHours(1))], _fired.All.Select(t => (t.Key, t.DueAt)));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_runners_on_two_store_instances_fire_each_due_timer_exactly_once(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var other = store.OpenSecond();
        var options = new TimerOptions { BatchSize = 4 };
        await using var a = Runner(store.Store, options);
        await using var b = Runner(other.Store, options);
        var unit = store.NewUnit(_time);
        for (var i = 0; i < 30; i++)
        {
            unit.Schedule("remind", $"lead-{i:00}", T0.AddMilliseconds(i));
        }

        await unit.CommitAsync();
        _time.Advance(TimeSpan.FromSeconds(1));

        await Task.WhenAll(new[] { a, b, a, b }.Select(runner => Task.Run(async () =>
        {
            while (await runner.RunDueAsync() > 0 || await store.Store.CountAsync(PlatformCollections.Timers, Filter<TimerRecord>.All) > 0)
            {
            }
        })));

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"lead-{i:00}"), _fired.All.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal(30, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Equal(30, (await store.PendingEventsAsync<LeadCaptured>()).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Waking_brings_the_waiting_timers_of_a_kind_and_key_prefix_forward_to_now_and_no_other(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "remind", "queue-a:1", T0.AddMinutes(5));
        await ScheduleAsync(store, "remind", "queue-a:2", T0.AddHours(1));
        await ScheduleAsync(store, "remind", "queue-ab:1", T0.AddMinutes(5));
        await ScheduleAsync(store, "remind", "queue-b:1", T0.AddMinutes(5));
        await ScheduleAsync(store, "hourly", "queue-a:1", T0.AddMinutes(5));
        _time.Advance(TimeSpan.FromSeconds(1));

        var unit = store.NewUnit(_time);
        unit.WakeTimers("remind", "queue-a:");
        await unit.CommitAsync();

        Assert.Equal(2, await runner.RunDueAsync());
        Assert.Equal(["queue-a:1", "queue-a:2"], _fired.All.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.All(_fired.All, t => Assert.Equal(T0.AddSeconds(1), t.DueAt));
        Assert.Equal(
            [("hourly", T0.AddMinutes(5)), ("remind", T0.AddMinutes(5)), ("remind", T0.AddMinutes(5))],
            (await store.Store.FindAsync(PlatformCollections.Timers.All())).Select(t => (t.Kind, t.DueAt)).Order());

        // Without a prefix: every timer of the kind.
        unit = store.NewUnit(_time);
        unit.WakeTimers("remind");
        await unit.CommitAsync();
        Assert.Equal(2, await runner.RunDueAsync());
        Assert.Equal(["queue-a:1", "queue-a:2", "queue-ab:1", "queue-b:1"], _fired.All.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal([("hourly", T0.AddMinutes(5))], (await store.Store.FindAsync(PlatformCollections.Timers.All())).Select(t => (t.Kind, t.DueAt)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Scheduling_if_absent_never_moves_a_scheduled_timer(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await ScheduleAsync(store, "train", "model", T0.AddSeconds(1));

        var unit = store.NewUnit(_time);
        unit.ScheduleIfAbsent("train", "model", T0.AddMinutes(1));
        unit.ScheduleIfAbsent("train", "other", T0.AddMinutes(1));
        await unit.CommitAsync();

        Assert.Equal(
            [("model", T0.AddSeconds(1)), ("other", T0.AddMinutes(1))],
            (await store.Store.FindAsync(PlatformCollections.Timers.All())).Select(t => (t.Key, t.DueAt)).Order());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_runner_fires_the_timers_of_a_batch_concurrently(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store, new TimerOptions { Concurrency = 3 });
        var unit = store.NewUnit(_time);
        for (var i = 0; i < 3; i++)
        {
            unit.Schedule("meet", $"lead-{i}", T0);
        }

        await unit.CommitAsync();

        // Each handler waits until all three run at once: one after the other, they would fail.
        Assert.Equal(3, await runner.RunDueAsync());
        Assert.Equal(3, _fired.All.Count);
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_timer_that_came_due_while_no_runner_ran_fires_once_after_the_restart(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await ScheduleAsync(store, "remind", "lead-1", T0.AddMinutes(1));

        // Every replica is down for an hour; one starts on the same file / database.
        _time.Advance(TimeSpan.FromHours(1));
        await using var restarted = store.OpenSecond();
        await using var runner = Runner(restarted.Store);

        Assert.Equal(1, await runner.RunDueAsync());
        Assert.Equal(0, await runner.RunDueAsync());
        Assert.Equal([("lead-1", T0.AddMinutes(1), 1)], _fired.All.Select(t => (t.Key, t.DueAt, t.Attempt)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_failing_handler_is_retried_after_its_back_off_and_set_aside_after_max_attempts(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store, new TimerOptions { MaxAttempts = 3 });
        await ScheduleAsync(store, "broken", "lead-1", T0);
        using var failures = runner.Count("crm.timers.failures");

        Assert.Equal(1, await runner.RunDueAsync());
        var failed = (await store.Store.GetAsync(PlatformCollections.Timers, "broken:lead-1"))!;
        Assert.Equal((1, T0.AddSeconds(1), "InvalidOperationException: the handler is broken"), (failed.Attempts, failed.LeaseUntil, failed.LastError));
        Assert.Null(failed.LeaseToken);
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.PendingOutboxAsync());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await runner.RunDueAsync());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await runner.RunDueAsync());
        Assert.Equal(_time.GetUtcNow().AddSeconds(2), (await store.Store.GetAsync(PlatformCollections.Timers, "broken:lead-1"))!.LeaseUntil);
        _time.Advance(TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await runner.RunDueAsync());

        var dead = (await store.Store.GetAsync(PlatformCollections.Timers, "broken:lead-1"))!;
        Assert.Equal((3, _time.GetUtcNow()), (dead.Attempts, dead.DeadAt));
        Assert.Null(dead.LeaseUntil);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await runner.RunDueAsync());
        Assert.Equal([1, 2, 3], _fired.All.Select(t => t.Attempt));
        Assert.Equal(3, failures.Total);
        Assert.Equal(["broken:lead-1"], (await store.Store.FindAsync(PlatformQueries.DeadTimers())).Select(t => t.Id));
        Assert.Empty(await store.Store.FindAsync(PlatformQueries.DueTimers(_time.GetUtcNow())));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_handler_that_declares_its_own_max_attempts_keeps_its_timers_that_long(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store, new TimerOptions { MaxAttempts = 1 });
        await ScheduleAsync(store, "patient", "lead-1", T0);

        for (var attempt = 1; attempt <= PatientHandler.Attempts; attempt++)
        {
            Assert.Equal(1, await runner.RunDueAsync());
            var timer = (await store.Store.GetAsync(PlatformCollections.Timers, "patient:lead-1"))!;
            Assert.Equal((attempt, attempt == PatientHandler.Attempts), (timer.Attempts, timer.DeadAt is not null));
            _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(0, await runner.RunDueAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_handler_that_schedules_its_own_key_again_makes_the_timer_recurring(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "hourly", "digest", T0.AddHours(1));

        for (var hour = 1; hour <= 3; hour++)
        {
            _time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(1, await runner.RunDueAsync());
            Assert.Equal(0, await runner.RunDueAsync());
        }

        Assert.Equal([T0.AddHours(1), T0.AddHours(2), T0.AddHours(3)], _fired.All.Select(t => t.DueAt));
        var next = Assert.Single(await store.Store.FindAsync(PlatformCollections.Timers.All()));
        Assert.Equal(("hourly:digest", T0.AddHours(4), 0), (next.Id, next.DueAt, next.Attempts));
        Assert.Null(next.LeaseToken);
        Assert.Equal(3, await store.Store.CountAsync(Samples, Filter<Sample>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_timer_moved_by_another_unit_while_its_handler_ran_keeps_its_new_time_without_the_handlers_effects(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "moved-meanwhile", "lead-1", T0);
        using var failures = runner.Count("crm.timers.failures");

        Assert.Equal(1, await runner.RunDueAsync());
        Assert.Equal(0, failures.Total);

        var timer = Assert.Single(await store.Store.FindAsync(PlatformCollections.Timers.All()));
        Assert.Equal((T0.AddDays(1), 0), (timer.DueAt, timer.Attempts));
        Assert.Null(timer.LeaseToken);
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.PendingOutboxAsync());

        // At its new time it fires (this time nobody moves it) and its effects stand.
        Assert.Equal(0, await runner.RunDueAsync());
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await runner.RunDueAsync());
        Assert.Equal(1, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_timer_of_a_kind_nobody_handles_backs_off_without_holding_up_the_others(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store);
        await ScheduleAsync(store, "retired-kind", "lead-1", T0);
        await ScheduleAsync(store, "remind", "lead-2", T0.AddMilliseconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await runner.RunDueAsync());

        Assert.Equal(["lead-2"], _fired.All.Select(t => t.Key));
        var orphan = (await store.Store.GetAsync(PlatformCollections.Timers, "retired-kind:lead-1"))!;
        Assert.Equal((1, _time.GetUtcNow().AddSeconds(1)), (orphan.Attempts, orphan.LeaseUntil));
        Assert.Contains("No handler is registered for timers of kind 'retired-kind'", orphan.LastError, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_dead_timer_requeued_by_an_operator_fires_again(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await using var runner = Runner(store.Store, new TimerOptions { MaxAttempts = 1 });
        await ScheduleAsync(store, "fixable", "lead-1", T0);
        _fix.Broken = true;
        Assert.Equal(1, await runner.RunDueAsync());
        Assert.NotNull((await store.Store.GetAsync(PlatformCollections.Timers, "fixable:lead-1"))!.DeadAt);
        await using var app = await TestWebApp.StartAsync(services => services.AddSingleton(store.Store).AddSingleton(store.Signal), _ => { });

        _fix.Broken = false;
        var requeue = await app.ManagementClient.PostAsync(new Uri("/admin/timers/dead/requeue", UriKind.Relative), null);

        requeue.EnsureSuccessStatusCode();
        Assert.Equal(1, await runner.RunDueAsync());
        Assert.Equal([1, 1], _fired.All.Select(t => t.Attempt));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
        Assert.NotNull(await store.Store.GetAsync(Samples, Effect(_fired.All[^1])));
    }

    private static Task<TestStore> CreateAsync(Backend backend) => TestStore.CreateAsync(backend, "defaults", Samples);

    private static string Effect(DueTimer timer) => $"{timer.Kind}:{timer.Key}@{timer.DueAt:O}";

    private async Task ScheduleAsync(TestStore store, string kind, string key, DateTimeOffset dueAt, object? payload = null)
    {
        var unit = store.NewUnit(_time);
        unit.Schedule(kind, key, dueAt, payload);
        await unit.CommitAsync();
    }

    private TestRunner Runner(IDocumentStore store, TimerOptions? options = null)
    {
        var provider = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(store)
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<OutboxSignal>()
            .AddSingleton(options ?? new TimerOptions())
            .AddSingleton<StoreReadiness>()
            .AddSingleton<StorageMetrics>()
            .AddSingleton(_fired)
            .AddSingleton(_fix)
            .AddScoped<UnitOfWork>()
            .AddScoped<ITimerHandler, RemindHandler>()
            .AddScoped<ITimerHandler, BrokenHandler>()
            .AddScoped<ITimerHandler, PatientHandler>()
            .AddScoped<ITimerHandler, HourlyHandler>()
            .AddScoped<ITimerHandler, MovedMeanwhileHandler>()
            .AddScoped<ITimerHandler, FixableHandler>()
            .AddSingleton<Meeting>()
            .AddScoped<ITimerHandler, MeetingHandler>()
            .AddSingleton<TimerRunner>()
            .BuildServiceProvider(validateScopes: true);
        return new TestRunner(provider);
    }

    private sealed class TestRunner(ServiceProvider provider) : IAsyncDisposable
    {
        public Task<int> RunDueAsync() => provider.GetRequiredService<TimerRunner>().RunDueAsync(CancellationToken.None);

        /// <summary>Adds up what the runner records on its counter <paramref name="instrument"/> (this runner's meters only).</summary>
        public CounterTotal Count(string instrument) => new(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), instrument);

        public ValueTask DisposeAsync() => provider.DisposeAsync();
    }

    private sealed class CounterTotal : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _total;

        public CounterTotal(System.Diagnostics.Metrics.IMeterFactory meters, string instrument)
        {
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (published.Meter.Scope == meters && published.Name == instrument)
                {
                    listener.EnableMeasurementEvents(published);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Every run of a handler, in order (shared by the runners of a test).</summary>
    private sealed class FiredLog
    {
        private readonly ConcurrentQueue<DueTimer> _fired = new();

        public List<DueTimer> All => _fired.ToList();

        public void Add(DueTimer timer) => _fired.Enqueue(timer);
    }

    /// <summary>Whether the cause of <see cref="FixableHandler"/>'s failure is still there.</summary>
    private sealed class Fix
    {
        public bool Broken { get; set; }
    }

    /// <summary>Fails while its cause is not fixed.</summary>
    private sealed class FixableHandler(FiredLog fired, Fix fix) : ITimerHandler
    {
        public string Kind => "fixable";

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            fired.Add(timer);
            unit.Insert(Samples, Minimal(Effect(timer)));
            return fix.Broken ? throw new InvalidOperationException("a dependency is misconfigured") : Task.CompletedTask;
        }
    }

    /// <summary>Three handlers meet: each waits (up to 10 s) until all three have started.</summary>
    private sealed class Meeting
    {
        private int _arrived;
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ArriveAsync()
        {
            if (Interlocked.Increment(ref _arrived) == 3)
            {
                _all.SetResult();
            }

            await _all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private sealed class MeetingHandler(FiredLog fired, Meeting meeting) : ITimerHandler
    {
        public string Kind => "meet";

        public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            await meeting.ArriveAsync();
            fired.Add(timer);
        }
    }

    /// <summary>Writes an effect document and publishes an event for the timer.</summary>
    private sealed class RemindHandler(FiredLog fired) : ITimerHandler
    {
        public string Kind => "remind";

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            fired.Add(timer);
            unit.Insert(Samples, Minimal(Effect(timer)));
            unit.Publish(Captured(timer.Key));
            return Task.CompletedTask;
        }
    }

    private sealed class BrokenHandler(FiredLog fired) : ITimerHandler
    {
        public string Kind => "broken";

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            fired.Add(timer);
            unit.Insert(Samples, Minimal(Effect(timer) + "#" + timer.Attempt));
            unit.Publish(Captured(timer.Key));
            throw new InvalidOperationException("the handler is broken");
        }
    }

    /// <summary>Always fails, and is given more attempts than the runner's default.</summary>
    private sealed class PatientHandler : ITimerHandler
    {
        public const int Attempts = 4;

        public string Kind => "patient";

        public int? MaxAttempts => Attempts;

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken) =>
            throw new TimeoutException("the broker is down");
    }

    /// <summary>Runs every hour: schedules its own key again.</summary>
    private sealed class HourlyHandler(FiredLog fired) : ITimerHandler
    {
        public string Kind => "hourly";

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            fired.Add(timer);
            unit.Insert(Samples, Minimal(Effect(timer)));
            unit.Schedule(timer.Kind, timer.Key, timer.DueAt.AddHours(1));
            return Task.CompletedTask;
        }
    }

    /// <summary>The first time it runs, another unit (another request) moves its timer to tomorrow meanwhile.</summary>
    private sealed class MovedMeanwhileHandler(FiredLog fired, IDocumentStore store, TimeProvider time) : ITimerHandler
    {
        public string Kind => "moved-meanwhile";

        public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            var first = fired.All.All(t => t.Kind != Kind);
            fired.Add(timer);
            unit.Insert(Samples, Minimal(Effect(timer)));
            unit.Publish(Captured(timer.Key));
            if (first)
            {
                var other = new UnitOfWork(store, time, new OutboxSignal());
                other.Schedule(timer.Kind, timer.Key, timer.DueAt.AddDays(1));
                await other.CommitAsync(cancellationToken);
            }
        }
    }
}
