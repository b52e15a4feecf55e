using System.Diagnostics;
using System.Globalization;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;

namespace Crm.Benchmarks;

/// <summary>
/// The SQLite store's group commit alone (no platform): <c>--writers</c> concurrent loops commit units of work shaped
/// like a consumed message's (its inbox record, a document inserted, one updated in place, an event to the outbox) to
/// a fresh SQLite file for <c>--seconds</c>, first with a transaction per unit (<c>Storage:SqliteMaxCommitGroup</c> = 1,
/// the baseline), then with the units waiting for the writer committed together (up to <c>--group</c>). Prints units
/// committed per second, transactions, and this process' CPU per unit.
/// </summary>
public static class CommitsBenchmark
{
    private static readonly DocumentCollection<Counter> Counters = new("bench_counters");
    private static readonly DocumentCollection<Item> Items = new DocumentCollection<Item>("bench_items").Index("lead", i => i.Asc(x => x.LeadId));

    private static long _next;

    public static async Task<int> RunAsync(Arguments args)
    {
        var writers = args.Number("writers", 32);
        var seconds = args.Number("seconds", 5);
        var warmup = args.Number("warmup", 2);
        var group = args.Number("group", SqliteDocumentStore.DefaultMaxCommitGroup);
        var rounds = args.Number("rounds", 2);
        Console.WriteLine($"commits: {writers} writers, {warmup} s warm-up + {seconds} s per line, {rounds} rounds; each unit = inbox record + insert + update + outbox event");

        var results = new Dictionary<int, List<Line>>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var size in new[] { 1, group })
            {
                var line = await MeasureAsync(size, writers, warmup, seconds);
                (results.TryGetValue(size, out var list) ? list : results[size] = []).Add(line);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  round {round + 1}, {(size == 1 ? "a transaction per unit (baseline)" : $"group commit (up to {size})"),-36} {line.PerSecond,8:F0} units/s  {line.Transactions,7} transactions ({line.Units / (double)Math.Max(1, line.Transactions):F1} units each)  {line.CpuMicros,6:F0} µs CPU/unit"));
            }
        }

        var baseline = results[1].Max(l => l.PerSecond);
        var grouped = results[group].Max(l => l.PerSecond);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"best of {rounds}: group commit {grouped:F0} units/s against {baseline:F0} = {grouped / baseline:F2}x; CPU per unit {results[group].Min(l => l.CpuMicros):F0} µs against {results[1].Min(l => l.CpuMicros):F0} µs"));
        return 0;
    }

    private sealed record Line(long Units, long Transactions, double Seconds, double CpuMicros)
    {
        public double PerSecond => Units / Seconds;
    }

    private static async Task<Line> MeasureAsync(int groupSize, int writers, int warmup, int seconds)
    {
        using var directory = new TempDirectory("crm-bench-commits");
        await using var store = new SqliteDocumentStore(directory.Combine("commits.db"), groupSize);
        await store.InitializeAsync([.. PlatformCollections.All, Counters, Items]);
        await store.CommitAsync(Enumerable.Range(0, writers).Select(w => Write.Insert(Counters, new Counter { Id = $"c-{w}" })).ToList());
        using var signal = new OutboxSignal();

        await LoadAsync(store, signal, writers, TimeSpan.FromSeconds(warmup));
        var transactions = store.Transactions;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var units = await LoadAsync(store, signal, writers, TimeSpan.FromSeconds(seconds));
        var elapsed = watch.Elapsed.TotalSeconds;
        var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
        return new Line(units, store.Transactions - transactions, elapsed, used / Math.Max(1, units));
    }

    private static async Task<long> LoadAsync(SqliteDocumentStore store, OutboxSignal signal, int writers, TimeSpan duration)
    {
        long units = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                Interlocked.Increment(ref units);
                var leadId = $"lead-{Interlocked.Increment(ref _next):00000000}";
                var unit = new UnitOfWork(store, TimeProvider.System, signal);
                unit.Add(Write.Insert(PlatformCollections.Inbox, new InboxRecord { Id = $"bench:{leadId}", Consumer = "bench", MessageId = leadId, ReceivedAt = unit.Now }));
                unit.Insert(Items, new Item { Id = leadId, LeadId = leadId, At = unit.Now });
                unit.Update(Counters, Filter<Counter>.Eq(x => x.Id, $"c-{w}"), new Update<Counter>().Inc(x => x.Count, 1));
                unit.Publish(new LeadScored { EventId = Guid.NewGuid(), LeadId = leadId, ContactId = "contact", Score = 42, Grade = "warm", OccurredAt = unit.Now });
                await unit.CommitAsync();
            }
        })));
        return units;
    }

    private sealed record Counter : IDocument
    {
        public required string Id { get; init; }
        public long Version { get; init; } = 1;
        public long Count { get; init; }
    }

    private sealed record Item : IDocument
    {
        public required string Id { get; init; }
        public long Version { get; init; } = 1;
        public required string LeadId { get; init; }
        public DateTimeOffset At { get; init; }
    }
}
