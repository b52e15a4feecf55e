using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Crm.Assignment;
using Crm.Assignment.Assignments;
using Crm.Assignment.Notifications;
using Crm.Assignment.Reps;
using Crm.Assignment.Sla;
using Crm.Contracts.Api;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Benchmarks;

/// <summary>
/// SLA timers of Assignment at volume (issue: "10,000 timers due in the same minute fire within 60 s, each once, with
/// two replicas"): one SQLite file with Assignment's collections, <c>--timers</c> assigned leads each with a running
/// first-contact clock whose warning is due between T0 and T0 + <c>--spread-ms</c>, and their <c>assignment-sla</c>
/// timers; then <c>--replicas</c> hosts, each with its own store on the file, its own <see cref="TimerRunner"/> and the
/// real <see cref="SlaTimer"/> (registered as <see cref="AssignmentService"/> registers storage and timers), started
/// together at T0 on the real clock. Measures when every timer has fired and each one's lateness, then checks from the
/// file that every lead fired exactly once. The baseline of the same run: the same with one replica.
/// </summary>
public static class SlaTimersBenchmark
{
    private static readonly SlaPolicy Policy = SlaPolicies.Default.For(SlaKind.FirstContact, Grade.Warm)!;

    public static async Task<int> RunAsync(Arguments args)
    {
        var defaults = new TimerOptions();
        var settings = new Settings(
            Timers: args.Number("timers", 10_000),
            SpreadMs: args.Number("spread-ms", 60_000),
            BatchSize: args.Number("batch", defaults.BatchSize),
            Concurrency: args.Number("concurrency", defaults.Concurrency),
            PollMs: args.Number("poll-ms", (int)defaults.PollInterval.TotalMilliseconds),
            LeadSeconds: args.Number("lead", 3),
            LimitSeconds: args.Number("limit", 120),
            GoalSeconds: args.Number("goal", 60));
        var replicas = args.Number("replicas", 2);
        var baseline = args.Number("baseline", 1);
        var warmup = args.Number("warmup", 2_000);
        Console.WriteLine(
            $"sla-timers: {settings.Timers:N0} assignment-sla timers due from T0 over {settings.SpreadMs / 1000.0:0.###} s " +
            $"(every {settings.SpreadMs / (double)settings.Timers:0.###} ms); Timers: BatchSize {settings.BatchSize}, Concurrency {settings.Concurrency}, " +
            $"PollInterval {settings.PollMs} ms; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        if (warmup > 0)
        {
            // Both measured runs start warm: without it the first would also pay the JIT of the timer and store paths.
            await RunOnceAsync(1, settings with { Timers = warmup, SpreadMs = 0 }, "warm-up, not measured: ");
        }

        var results = new List<RunResult>();
        foreach (var count in baseline > 0 && baseline != replicas ? new[] { baseline, replicas } : [replicas])
        {
            results.Add(await RunOnceAsync(count, settings, string.Empty));
        }

        Console.WriteLine();
        Console.WriteLine("| replicas | fired (per replica) | all fired after T0 | after the last due | lateness p50 / p99 / max | handler start - due p50 / p99 / max | retries | CPU per timer | each once | within goal |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(
                $"| {r.Replicas} | {r.Fired:N0} ({string.Join(" + ", r.FiredPerReplica.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}) " +
                $"| {Seconds(r.AfterT0)} | {Seconds(r.AfterLastDue)} " +
                $"| {Ms(r.Lateness, 0.5)} / {Ms(r.Lateness, 0.99)} / {Ms(r.Lateness, 1)} " +
                $"| {Ms(r.StartLateness, 0.5)} / {Ms(r.StartLateness, 0.99)} / {Ms(r.StartLateness, 1)} " +
                $"| {r.Failures} | {r.CpuMsPerTimer:0.00} ms | {(r.Problems.Count == 0 ? "yes" : "NO")} | {(r.WithinGoal ? "yes" : "NO")} |");
        }

        if (results.Count == 2 && results[0].AfterLastDue is { } one && results[1].AfterLastDue is { } two)
        {
            Console.WriteLine(
                $"{results[1].Replicas} replicas / {results[0].Replicas}: all fired after the last due {two.TotalSeconds:0.00} / {one.TotalSeconds:0.00} s = {two / one:0.00}; " +
                $"lateness p99 {Percentile(results[1].Lateness, 0.99) / Math.Max(0.001, Percentile(results[0].Lateness, 0.99)):0.00}, " +
                $"CPU per timer {results[1].CpuMsPerTimer / results[0].CpuMsPerTimer:0.00}");
        }

        foreach (var r in results.Where(r => r.Problems.Count > 0))
        {
            Console.WriteLine($"{r.Replicas} replica(s), problems: {string.Join("; ", r.Problems)}");
        }

        var measured = results[^1];
        var pass = measured.Problems.Count == 0 && measured.WithinGoal;
        Console.WriteLine(
            $"{(pass ? "PASS" : "FAIL")}: {settings.Timers:N0} timers due within {settings.SpreadMs / 1000.0:0.###} s, {measured.Replicas} replicas: " +
            $"every timer fired {(measured.WithinGoal ? "within" : "NOT within")} {settings.GoalSeconds} s of its due time (max {Ms(measured.Lateness, 1)}, all done {Seconds(measured.AfterT0)} after T0), " +
            $"{(measured.Problems.Count == 0 ? "each exactly once" : "NOT each exactly once")}; load average {LoadAverage()}");
        return pass ? 0 : 1;
    }

    private static async Task<RunResult> RunOnceAsync(int replicas, Settings settings, string label)
    {
        using var directory = new TempDirectory("crm-bench-sla");
        var path = directory.Combine("data", "assignment.db");
        var contentRoot = Directory.CreateDirectory(directory.Combine("app")).FullName;

        // T0 a few seconds after the seeding and the hosts' construction end: their time is estimated from the count
        // (about 0.3 ms per lead on the build machine), and the run refuses to go on if they took longer.
        var seedingStarted = DateTimeOffset.UtcNow;
        var t0 = Whole(seedingStarted + TimeSpan.FromMilliseconds(2_000 + (settings.Timers * 0.6)) + TimeSpan.FromSeconds(settings.LeadSeconds));
        var seeded = await SeedAsync(path, settings, t0);
        var seedTime = DateTimeOffset.UtcNow - seedingStarted;

        using var probe = new FireProbe(replicas);
        var apps = new List<WebApplication>();
        for (var i = 0; i < replicas; i++)
        {
            apps.Add(BuildReplica(contentRoot, path, settings, probe.Logs(i)));
            probe.Watch(apps[i].Services.GetRequiredService<IMeterFactory>(), i);
        }

        var untilT0 = t0 - DateTimeOffset.UtcNow;
        Console.WriteLine($"{label}{replicas} replica(s): seeded {settings.Timers:N0} leads with their clocks and timers in {seedTime.TotalSeconds:0.0} s; T0 in {untilT0.TotalSeconds:0.0} s");
        if (untilT0 < TimeSpan.FromMilliseconds(500))
        {
            throw new InvalidOperationException($"Seeding took longer than planned: T0 is {-untilT0.TotalSeconds:0.0} s past. Run again with a larger --lead.");
        }

        await Task.Delay(untilT0);
        var cpuAtT0 = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.WhenAll(apps.Select(a => a.StartAsync()));

        // Done when the runners reported every timer fired and none of the seeded ones is left in the store.
        var deadline = seeded.LastDue + TimeSpan.FromSeconds(settings.LimitSeconds);
        await using var reader = new SqliteDocumentStore(path);
        var complete = false;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50);
            if (probe.Fired >= settings.Timers
                && await reader.CountAsync(PlatformCollections.Timers, Filter<TimerRecord>.Lte(x => x.DueAt, seeded.LastDue)) == 0)
            {
                complete = true;
                break;
            }
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtT0;
        foreach (var app in apps)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(stopping.Token);
            await app.DisposeAsync();
        }

        var fires = probe.Fires.ToList();
        var lastFire = fires.Count > 0 ? fires.Max(f => f.At) : (DateTimeOffset?)null;
        var (problems, startLateness) = await VerifyAsync(reader, seeded, probe);
        if (!complete)
        {
            problems.Insert(0, $"not all fired within {settings.LimitSeconds} s after the last due instant ({probe.Fired:N0} of {settings.Timers:N0})");
        }

        var lateness = fires.Select(f => f.Lateness).Order().ToList();
        var result = new RunResult(
            replicas,
            probe.Fired,
            [.. Enumerable.Range(0, replicas).Select(probe.FiredBy)],
            complete ? lastFire - t0 : null,
            complete ? lastFire - seeded.LastDue : null,
            lateness,
            startLateness,
            probe.Failures,
            cpu.TotalMilliseconds / Math.Max(1, probe.Fired),
            problems,
            complete && lateness.Count > 0 && lateness[^1] <= settings.GoalSeconds);
        Console.WriteLine(
            $"{label}{replicas} replica(s): {result.Fired:N0} fired ({string.Join(" + ", result.FiredPerReplica)}), all {Seconds(result.AfterT0)} after T0 = {Seconds(result.AfterLastDue)} after the last due; " +
            $"lateness p50 {Ms(lateness, 0.5)}, p99 {Ms(lateness, 0.99)}, max {Ms(lateness, 1)}; retries {result.Failures}; CPU {cpu.TotalSeconds:0.0} s; " +
            $"{(problems.Count == 0 ? "each lead fired exactly once" : string.Join("; ", problems))}; warnings logged {probe.Warnings}{probe.FirstWarnings}");
        return result;
    }

    /// <summary>
    /// Two reps and <see cref="Settings.Timers"/> leads assigned to them in turn, each with a first-contact clock (warm:
    /// 4 h, warning at 80 %) started so that its warning is due at T0 + i × spread / timers, its timer scheduled by
    /// <see cref="SlaClocks.Start"/> as the service does; 500 leads per unit of work.
    /// </summary>
    private static async Task<Seeded> SeedAsync(string path, Settings settings, DateTimeOffset t0)
    {
        await using var store = new SqliteDocumentStore(path);
        await store.InitializeAsync([.. PlatformCollections.All, .. AssignmentCollections.All]);
        using var signal = new OutboxSignal();
        var reps = Enumerable.Range(0, 2).Select(i => new Rep
        {
            Id = Ids.New(),
            Name = $"Bench Rep {i + 1}",
            Capacity = Rep.MaxCapacity,
            Active = true,
            OpenLeads = (settings.Timers + 1 - i) / 2,
            CreatedAt = t0.AddDays(-1),
        }).ToArray();
        var unit = new UnitOfWork(store, TimeProvider.System, signal);
        foreach (var rep in reps)
        {
            unit.Insert(AssignmentCollections.Reps, rep);
        }

        var warningAfter = Policy.Ladder(reassignedBefore: false)[0].Offset;
        var due = new Dictionary<string, (DateTimeOffset Due, DateTimeOffset Breach)>(settings.Timers, StringComparer.Ordinal);
        var lastDue = t0;
        for (var i = 0; i < settings.Timers; i++)
        {
            var dueAt = t0.AddMilliseconds(Math.Floor(i * (double)settings.SpreadMs / settings.Timers));
            var started = dueAt - warningAfter;
            var rep = reps[i % reps.Length];
            var lead = new LeadAssignment
            {
                Id = Ids.New(),
                ContactId = Ids.New(),
                Grade = Grade.Warm,
                Score = 60,
                ScoredAt = started,
                QueuedAt = started,
                Status = LeadStatus.Assigned,
                RepId = rep.Id,
                AssignedAt = started,
                Source = "benchmark",
                Channel = "web",
                History = [new LeadHistoryEntry(started, "assigned", rep.Id, "sla-timers benchmark")],
            };
            lead = SlaClocks.Start(unit, lead, rep, SlaPolicies.Default, started);
            if (lead.Sla is not { DueAt: { } warningAt } clock || warningAt != dueAt)
            {
                throw new InvalidOperationException($"The clock's warning is due at {lead.Sla?.DueAt:O}, not {dueAt:O}.");
            }

            unit.Insert(AssignmentCollections.Leads, lead);
            due[lead.Id] = (dueAt, clock.BreachAt);
            lastDue = dueAt > lastDue ? dueAt : lastDue;
            if ((i + 1) % 500 == 0)
            {
                await unit.CommitAsync();
            }
        }

        await unit.CommitAsync();
        return new Seeded(due, t0, lastDue);
    }

    /// <summary>
    /// One replica of Assignment as far as its timers go: the storage and timer registrations of
    /// <see cref="AssignmentService.AddAssignmentService"/> (<c>AddCrmStorage</c> with its collections, the engine, the three
    /// timer handlers), its own store on the shared file, no broker (the outbox dispatcher has no bus and stays idle, so
    /// the events stay in the outbox to be counted), Kestrel on a free port with nothing mapped. The content root is a
    /// folder of its own beside the database's (as in the image: <c>/app</c> and <c>/tmp/data</c>): the configuration's
    /// file watcher watches the content root with its subfolders, and would be woken by every write to the database.
    /// </summary>
    private static WebApplication BuildReplica(string contentRoot, string path, Settings settings, ILoggerProvider logs)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = StorageOptions.Sqlite,
            ["Storage:SqlitePath"] = path,
            ["Timers:BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Timers:Concurrency"] = settings.Concurrency.ToString(CultureInfo.InvariantCulture),
            ["Timers:PollInterval"] = TimeSpan.FromMilliseconds(settings.PollMs).ToString("c", CultureInfo.InvariantCulture),
        });
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddCrmStorage(AssignmentService.Name, AssignmentCollections.All);
        builder.Services.AddSingleton<AssignmentEngine>();
        builder.Services.AddSingleton<RepRoster>();
        builder.AddTimerHandler<BacklogDrainTimer>();
        builder.AddTimerHandler<RerouteTimer>();
        builder.AddTimerHandler<SlaTimer>();
        return builder.Build();
    }

    /// <summary>
    /// Every lead fired its warning exactly once: clock on the breach, one warning in its history, one
    /// <see cref="SlaWarning"/> in the outbox, one notification; the only timers left are the breach timers. Returns the
    /// problems found and each warning's <c>OccurredAt</c> − due (when its handler's unit of work started).
    /// </summary>
    private static async Task<(List<string> Problems, List<double> StartLateness)> VerifyAsync(SqliteDocumentStore store, Seeded seeded, FireProbe probe)
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        var leads = await store.FindAsync(AssignmentCollections.Leads.Find(Filter<LeadAssignment>.All));
        Check(leads.Count == seeded.Due.Count, $"{leads.Count} leads stored, not {seeded.Due.Count}");
        var notAdvanced = leads.Count(l => l.Sla is not { Next: 1, NextStep: SlaStep.Breach });
        Check(notAdvanced == 0, $"{notAdvanced} leads whose clock is not on its breach rung");
        var warnedOtherThanOnce = leads.Count(l => l.History.Count(h => h.Kind == "sla-warning") != 1);
        Check(warnedOtherThanOnce == 0, $"{warnedOtherThanOnce} leads without exactly one sla-warning in their history");

        var outbox = await store.FindAsync(PlatformQueries.PendingOutbox());
        var warnings = outbox.Where(r => r.Type == typeof(SlaWarning).FullName).Select(r => (SlaWarning)OutboxSerializer.Read(r.Type, r.Body).Message).ToList();
        var others = outbox.Count - warnings.Count;
        Check(others == 0, $"{others} other events in the outbox");
        var perLead = warnings.GroupBy(w => w.LeadId, StringComparer.Ordinal).ToList();
        Check(warnings.Count == seeded.Due.Count, $"{warnings.Count:N0} SlaWarning events, not {seeded.Due.Count:N0}");
        Check(perLead.Count == seeded.Due.Count && perLead.All(g => g.Count() == 1 && seeded.Due.ContainsKey(g.Key)), $"SlaWarning events for {perLead.Count:N0} distinct leads, {perLead.Count(g => g.Count() > 1)} of them more than once");

        var notifications = await store.CountAsync(AssignmentCollections.Notifications, Filter<Notification>.Eq(x => x.Kind, "sla-warning"));
        Check(notifications == seeded.Due.Count, $"{notifications:N0} sla-warning notifications");

        var timers = await store.FindAsync(PlatformCollections.Timers.Find(Filter<TimerRecord>.All));
        var breachTimers = timers.Count(t => t.Kind == SlaClocks.TimerKind && seeded.Due.TryGetValue(t.Key, out var d) && t.DueAt == d.Breach && t.DeadAt is null && t.Attempts == 0);
        Check(timers.Count == seeded.Due.Count && breachTimers == timers.Count, $"{timers.Count:N0} timers left, {breachTimers:N0} of them the leads' breach timers");
        Check(probe.Fired == seeded.Due.Count, $"the runners reported {probe.Fired:N0} fired");

        var startLateness = warnings
            .Where(w => seeded.Due.ContainsKey(w.LeadId))
            .Select(w => (w.OccurredAt - seeded.Due[w.LeadId].Due).TotalSeconds)
            .Order()
            .ToList();
        return (problems, startLateness);
    }

    private static DateTimeOffset Whole(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Ms(List<double> sortedSeconds, double p) =>
        sortedSeconds.Count == 0 ? "-" : $"{Percentile(sortedSeconds, p) * 1000:0} ms";

    private static string Seconds(TimeSpan? span) => span is { } s ? $"{s.TotalSeconds:0.00} s" : "-";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private sealed record Settings(int Timers, int SpreadMs, int BatchSize, int Concurrency, int PollMs, int LeadSeconds, int LimitSeconds, int GoalSeconds);

    private sealed record Seeded(Dictionary<string, (DateTimeOffset Due, DateTimeOffset Breach)> Due, DateTimeOffset T0, DateTimeOffset LastDue);

    private sealed record RunResult(
        int Replicas,
        long Fired,
        long[] FiredPerReplica,
        TimeSpan? AfterT0,
        TimeSpan? AfterLastDue,
        List<double> Lateness,
        List<double> StartLateness,
        long Failures,
        double CpuMsPerTimer,
        List<string> Problems,
        bool WithinGoal);

    /// <summary>
    /// What the runners report through their metrics (meter <c>Crm.Storage</c> of each replica's own meter factory):
    /// each timer fired with its lateness (after its commit) and the replica that fired it, failed attempts; and the
    /// warnings each replica logged.
    /// </summary>
    private sealed class FireProbe : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<object, int> _replicas = new();
        private readonly long[] _fired;
        private readonly CountingLogs[] _logs;
        private long _failures;

        public FireProbe(int replicas)
        {
            _fired = new long[replicas];
            _logs = [.. Enumerable.Range(0, replicas).Select(_ => new CountingLogs())];
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == StorageMetrics.MeterName && instrument.Meter.Scope is { } scope && _replicas.TryGetValue(scope, out var replica)
                    && instrument.Name is "crm.timers.lateness" or "crm.timers.failures")
                {
                    listener.EnableMeasurementEvents(instrument, replica);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, lateness, _, state) =>
            {
                var replica = (int)state!;
                Interlocked.Increment(ref _fired[replica]);
                Fires.Enqueue((replica, lateness, DateTimeOffset.UtcNow));
            });
            _listener.SetMeasurementEventCallback<long>((_, count, _, _) => Interlocked.Add(ref _failures, count));
            _listener.Start();
        }

        public ConcurrentQueue<(int Replica, double Lateness, DateTimeOffset At)> Fires { get; } = new();

        public long Fired => Enumerable.Range(0, _fired.Length).Sum(FiredBy);

        public long Failures => Interlocked.Read(ref _failures);

        public long Warnings => _logs.Sum(l => l.Count);

        public string FirstWarnings => _logs.SelectMany(l => l.First).Take(3) is var first && first.Any() ? $" (first: {string.Join(" | ", first)})" : string.Empty;

        public long FiredBy(int replica) => Interlocked.Read(ref _fired[replica]);

        public CountingLogs Logs(int replica) => _logs[replica];

        /// <summary>Attributes the instruments created through <paramref name="meters"/> (one replica's) to <paramref name="replica"/>.</summary>
        public void Watch(IMeterFactory meters, int replica) => _replicas[meters] = replica;

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Counts what a replica logs at warning and above, keeping the first few messages.</summary>
    private sealed class CountingLogs : ILoggerProvider, ILogger
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public ConcurrentQueue<string> First { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && Interlocked.Increment(ref _count) <= 3)
            {
                First.Enqueue($"{formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
            }
        }

        public void Dispose()
        {
        }
    }
}
