using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Crm.Benchmarks;

/// <summary>
/// The pipeline end to end against a platform started by <c>./crm up</c> (with the gateway's per-key limit raised):
/// captures through the gateway for a while (closed loop: as fast as <c>--connections</c> clients go; open loop:
/// <c>--rate</c> leads per second), then waits until Analytics has counted every accepted lead as captured,
/// assigned and messaged. Prints captures/s, end-to-end leads/s, how long the system needed after the load, the
/// largest outbox backlog per service (sampled from each management port's <c>/admin/outbox</c>), and the time from
/// capture to assignment from the servers' own timestamps, and how long after its capture a lead counts in a KPI answer
/// (<see cref="KpiProbe"/>: event → KPI). A warm-up (<c>--warmup</c> seconds of closed loop, default
/// 60, 0 for none) runs first and is not measured.
/// </summary>
public static class PipelineBenchmark
{
    private static readonly (string Name, int Port)[] Services =
        [("contacts", 5103), ("leads", 5113), ("assignment", 5123), ("messaging", 5133), ("analytics", 5143)];

    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var seconds = args.Number("seconds", 20);
        var connections = args.Number("connections", 16);
        var rate = args.Number("rate", 0);
        var warmup = args.Number("warmup", 60);
        var run = Guid.NewGuid().ToString("N")[..8];

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connections, 64) + 8 })
        {
            BaseAddress = gateway,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Enough room that no lead waits in the backlog for want of a rep.
        for (var i = 0; i < 5; i++)
        {
            using var rep = await http.PostAsync("/api/assignment/reps", Json($$"""{"name":"Bench Rep {{run}}-{{i}}","capacity":10000}"""));
            rep.EnsureSuccessStatusCode();
        }

        // Warm up outside the measurement: a freshly started platform runs its hot paths as unoptimised, instrumented
        // code (tiered JIT with PGO) for its first two thousand leads or so, at twice the CPU per lead: start-up, not
        // throughput.
        if (warmup > 0)
        {
            var warm = new LoadResult();
            var counted = await CountsAsync(http);
            await ClosedLoopAsync(http, Guid.NewGuid().ToString("N")[..8], connections, warmup, warm);
            if (!await WaitUntilCountedAsync(http, counted, warm.Accepted.Count))
            {
                return 1;
            }

            Console.WriteLine($"warm-up: {warm.Accepted.Count} leads in {warmup} s (not measured)");
        }

        var before = await CountsAsync(http);
        await using var scored = await EventListener.StartAsync(new Uri(args.Text("amqp", "amqp://guest:guest@127.0.0.1:5682/")), "Crm.Contracts.Leads:LeadScored");
        using var sampling = new CancellationTokenSource();
        using var sampler = new OutboxSampler(Services);
        var samplerTask = sampler.RunAsync(sampling.Token);
        var kpiProbe = new KpiProbe(http, run, args.Number("kpi-poll-ms", 250));
        // --kpi-poll-ms 0: no probe (its KPI reads cost Analytics CPU that the per-lead CPU line would count).
        var kpiTask = kpiProbe.IntervalMs > 0 ? kpiProbe.RunAsync(sampling.Token) : Task.CompletedTask;

        Console.WriteLine(rate > 0
            ? $"pipeline: open loop at {rate} leads/s for {seconds} s"
            : $"pipeline: closed loop, {connections} connections, {seconds} s");
        var load = new LoadResult();
        var local = args.Text("local", ".local");
        var cpu = ProcessCpu.Snapshot(local);
        var started = Stopwatch.GetTimestamp();
        if (rate > 0)
        {
            await OpenLoopAsync(http, run, rate, seconds, load);
        }
        else
        {
            await ClosedLoopAsync(http, run, connections, seconds, load);
        }

        var loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        sampler.MarkLoadEnd();
        var accepted = load.Accepted.Count;

        if (!await WaitUntilCountedAsync(http, before, accepted))
        {
            return 1;
        }

        var doneSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuDone = ProcessCpu.Snapshot(local);
        if (kpiProbe.IntervalMs > 0)
        {
            await kpiProbe.WaitUntilCountedAsync(accepted, TimeSpan.FromSeconds(60));
        }

        await sampler.WaitUntilEmptyAsync(TimeSpan.FromSeconds(60));
        await sampling.CancelAsync();
        await samplerTask;
        await kpiTask;

        var latencies = await AssignmentLatenciesAsync(http, load.Accepted.ToArray());
        var toScored = load.SentAt
            .Where(s => scored.Arrived.ContainsKey(s.Key))
            .Select(s => Stopwatch.GetElapsedTime(s.Value, scored.Arrived[s.Key]).TotalMilliseconds)
            .ToList();
        Console.WriteLine($"captures accepted: {accepted} in {loadSeconds:0.0} s = {accepted / loadSeconds:0.0}/s (rejected {load.Rejected}, failed {load.Failed}); capture answer p50 {Percentile(load.AnswerMs, 0.5):0} ms, p99 {Percentile(load.AnswerMs, 0.99):0} ms");
        Console.WriteLine($"end to end: {accepted} leads captured, assigned, messaged and counted in {doneSeconds:0.0} s = {accepted / doneSeconds:0.0} leads/s");
        Console.WriteLine($"after the load: everything counted {doneSeconds - loadSeconds:0.0} s after the last capture; outbox backlog gone {sampler.BacklogAfterLoad.TotalSeconds:0.0} s after it");
        Console.WriteLine("largest outbox backlog: " + string.Join(", ", Services.Select(s => $"{s.Name} {sampler.MaxPending.GetValueOrDefault(s.Name)}")));
        Console.WriteLine($"capture -> LeadScored (request sent -> the event delivered to a queue of this benchmark, {toScored.Count} of {accepted} leads): p50 {Percentile(toScored, 0.5):0} ms, p90 {Percentile(toScored, 0.9):0} ms, p99 {Percentile(toScored, 0.99):0} ms, max {(toScored.Count > 0 ? toScored.Max() : double.NaN):0} ms");
        var toKpi = kpiProbe.Delays(load.AnsweredAt.Values);
        if (kpiProbe.IntervalMs > 0)
        {
            Console.WriteLine($"capture -> KPI (capture answered -> the run's campaign in GET /api/analytics/kpis/conversion counts that many leads, polled every {kpiProbe.IntervalMs} ms, {kpiProbe.Polls} polls, p99 of polls {Percentile(kpiProbe.PollMs, 0.99):0} ms; {toKpi.Count} of {accepted} leads): p50 {Percentile(toKpi, 0.5):0} ms, p90 {Percentile(toKpi, 0.9):0} ms, p99 {Percentile(toKpi, 0.99):0} ms, max {(toKpi.Count > 0 ? toKpi.Max() : double.NaN):0} ms");
        }

        if (cpu.Count > 0)
        {
            Console.WriteLine("CPU from the first capture until everything was counted: " + ProcessCpu.PerUnit(cpu, cpuDone, accepted, "lead"));
        }

        if (latencies.Count > 0)
        {
            Console.WriteLine($"capture -> assigned (server timestamps, {latencies.Count} leads): p50 {Percentile(latencies, 0.5):0} ms, p90 {Percentile(latencies, 0.9):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.Max():0} ms");
        }

        return 0;
    }

    /// <summary>Polls until Analytics counted <paramref name="accepted"/> more leads than <paramref name="before"/> as captured, assigned and messaged (MessageSent); false after 10 minutes.</summary>
    private static async Task<bool> WaitUntilCountedAsync(HttpClient http, Counts before, int accepted)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (true)
        {
            var now = await CountsAsync(http);
            if (now.Captured - before.Captured >= accepted && now.Assigned - before.Assigned >= accepted && now.Messaged - before.Messaged >= accepted)
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                Console.WriteLine($"NOT DONE after 10 minutes: captured {now.Captured - before.Captured}, assigned {now.Assigned - before.Assigned}, messaged {now.Messaged - before.Messaged} of {accepted}");
                return false;
            }

            await Task.Delay(100);
        }
    }

    private static async Task ClosedLoopAsync(HttpClient http, string run, int connections, int seconds, LoadResult load)
    {
        var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * seconds;
        var counter = 0;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await CaptureAsync(http, run, Interlocked.Increment(ref counter), load);
            }
        }));
    }

    private static async Task OpenLoopAsync(HttpClient http, string run, int rate, int seconds, LoadResult load)
    {
        var total = rate * seconds;
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(total);
        for (var i = 1; i <= total; i++)
        {
            var due = start + (long)(Stopwatch.Frequency * (i - 1) / (double)rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            inFlight.Add(CaptureAsync(http, run, i, load));
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task CaptureAsync(HttpClient http, string run, int n, LoadResult load)
    {
        // A person of its own per lead and run (the phone too: one person captured twice is one lead, answered 200).
        var phone = 20_000_000 + ((long.Parse(run[..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture) * 100_000) + n) % 79_999_999;
        var body = $$"""{"name":"Bench Lead {{n}}","email":"bench-{{run}}-{{n}}@example.com","phone":"+49 30 {{phone.ToString(CultureInfo.InvariantCulture)}}","source":"benchmark","channel":"web","campaign":"bench-{{run}}","pagesVisited":{{n % 9}},"lastInteractionAt":"{{DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}}"}""";
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.PostAsync("/api/leads", Json(body));
            load.AnswerMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var id = lead.RootElement.GetProperty("id").GetString()!;
                load.Accepted.Add(id);
                load.SentAt[id] = started;
                load.AnsweredAt[id] = Stopwatch.GetTimestamp();
            }
            else
            {
                Interlocked.Increment(ref load.Rejected);
                if (load.Rejected <= 3)
                {
                    Console.WriteLine($"rejected: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref load.Failed);
        }
    }

    /// <summary>assignedAt - capturedAt of up to 3,000 leads (evenly spread over the run), both written by the servers.</summary>
    private static async Task<List<double>> AssignmentLatenciesAsync(HttpClient http, string[] leads)
    {
        var step = Math.Max(1, leads.Length / 3000);
        var sample = leads.Where((_, i) => i % step == 0).ToList();
        var latencies = new ConcurrentBag<double>();
        await Parallel.ForEachAsync(sample, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync($"/api/leads/{id}", ct));
            var lead = document.RootElement;
            if (lead.TryGetProperty("assignedAt", out var assigned) && assigned.ValueKind == JsonValueKind.String)
            {
                latencies.Add((assigned.GetDateTimeOffset() - lead.GetProperty("capturedAt").GetDateTimeOffset()).TotalMilliseconds);
            }
        });
        return [.. latencies];
    }

    private static async Task<Counts> CountsAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/analytics/summary"));
        var totals = document.RootElement.GetProperty("totals");
        return new Counts(totals.GetProperty("leadsCaptured").GetInt32(), totals.GetProperty("leadsAssigned").GetInt32(), totals.GetProperty("messagesSent").GetInt32());
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    internal static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private sealed record Counts(int Captured, int Assigned, int Messaged);

    private sealed class LoadResult
    {
        public ConcurrentBag<string> Accepted { get; } = [];

        public ConcurrentBag<double> AnswerMs { get; } = [];

        /// <summary>Accepted lead id → when its capture was sent (Stopwatch ticks).</summary>
        public ConcurrentDictionary<string, long> SentAt { get; } = new(StringComparer.Ordinal);

        /// <summary>Accepted lead id → when its capture was answered (Stopwatch ticks): its <c>LeadCaptured</c> was committed then.</summary>
        public ConcurrentDictionary<string, long> AnsweredAt { get; } = new(StringComparer.Ordinal);

        public int Rejected;

        public int Failed;
    }

    /// <summary>
    /// Event → KPI: polls <c>GET /api/analytics/kpis/conversion?groupBy=campaign</c> every <c>--kpi-poll-ms</c> (250) ms and
    /// keeps how many leads of this run's campaign it counts at each poll (the time the answer arrived). A lead is
    /// taken as counted at the first poll that counts at least as many of the run's leads as had been captured up to and
    /// including it (its rank by capture answer time): the KPI's count reached it, whichever leads it holds (Analytics
    /// applies one queue in order, so this is the order captured up to publishing order). The delay of a lead is that poll
    /// minus its capture answer; its resolution is the poll interval.
    /// </summary>
    private sealed class KpiProbe(HttpClient http, string run, int intervalMs)
    {
        public int IntervalMs => intervalMs;

        private readonly List<(long At, int Count)> _seen = [];

        public int Polls => _seen.Count;

        public ConcurrentBag<double> PollMs { get; } = [];

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var campaign = "bench-" + run;
            var today = DateTime.UtcNow.Date;
            var url = $"/api/analytics/kpis/conversion?groupBy=campaign&from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
            while (!cancellationToken.IsCancellationRequested)
            {
                var asked = Stopwatch.GetTimestamp();
                try
                {
                    using var document = JsonDocument.Parse(await http.GetStringAsync(url, cancellationToken));
                    var count = document.RootElement.GetProperty("rows").EnumerateArray()
                        .Where(r => r.GetProperty("group").GetString() == campaign)
                        .Sum(r => r.GetProperty("values").GetProperty("leads").GetInt32());
                    var at = Stopwatch.GetTimestamp();
                    PollMs.Add(Stopwatch.GetElapsedTime(asked, at).TotalMilliseconds);
                    lock (_seen)
                    {
                        _seen.Add((at, count));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    await Task.Delay(IntervalMs, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        /// <summary>Waits until a poll counts <paramref name="accepted"/> leads (or the timeout).</summary>
        public async Task WaitUntilCountedAsync(int accepted, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * timeout.TotalSeconds);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                lock (_seen)
                {
                    if (_seen.Count > 0 && _seen[^1].Count >= accepted)
                    {
                        return;
                    }
                }

                await Task.Delay(IntervalMs);
            }
        }

        /// <summary>Per lead counted, in ms: the first poll counting its rank minus its capture answer.</summary>
        public List<double> Delays(IEnumerable<long> answeredAt)
        {
            (long At, int Count)[] seen;
            lock (_seen)
            {
                seen = [.. _seen];
            }

            var delays = new List<double>();
            var poll = 0;
            var rank = 0;
            foreach (var answered in answeredAt.Order())
            {
                rank++;
                while (poll < seen.Length && (seen[poll].Count < rank || seen[poll].At < answered))
                {
                    poll++;
                }

                if (poll == seen.Length)
                {
                    break;
                }

                delays.Add(Stopwatch.GetElapsedTime(answered, seen[poll].At).TotalMilliseconds);
            }

            return delays;
        }
    }

    /// <summary>Samples every service's outbox backlog (management port, <c>/admin/outbox</c>) every 250 ms.</summary>
    private sealed class OutboxSampler((string Name, int Port)[] services) : IDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
        private long _loadEnd;
        private long _lastBacklog;
        private volatile bool _empty;

        public ConcurrentDictionary<string, long> MaxPending { get; } = new();

        public TimeSpan BacklogAfterLoad => _lastBacklog <= _loadEnd ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_loadEnd, _lastBacklog);

        public void Dispose() => _http.Dispose();

        public void MarkLoadEnd() => Interlocked.Exchange(ref _loadEnd, Stopwatch.GetTimestamp());

        public async Task WaitUntilEmptyAsync(TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * timeout.TotalSeconds);
            while (!_empty && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100);
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var total = 0L;
                foreach (var (name, port) in services)
                {
                    try
                    {
                        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/admin/outbox"), cancellationToken));
                        var pending = document.RootElement.GetProperty("pending").GetInt64();
                        total += pending;
                        MaxPending.AddOrUpdate(name, pending, (_, max) => Math.Max(max, pending));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                    {
                        total++;
                    }
                }

                if (total > 0)
                {
                    Interlocked.Exchange(ref _lastBacklog, Stopwatch.GetTimestamp());
                }

                _empty = total == 0 && Interlocked.Read(ref _loadEnd) != 0;
                try
                {
                    await Task.Delay(250, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
