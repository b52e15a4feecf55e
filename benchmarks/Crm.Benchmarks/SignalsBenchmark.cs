using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Crm.Benchmarks;

/// <summary>
/// Behavioural signals through the gateway of a running platform (<c>./crm up</c>) with scoring on: a pool of leads is
/// captured (batch endpoint), then closed-loop batches of signals (<c>--per-lead</c> signals per lead, leads drawn at random from the pool, random types, unique ids)
/// for <c>--seconds</c>; and, in the same run as the baseline, the same signals one per request. Prints signals
/// recorded per second for both and their ratio, and the batch answer time.
/// </summary>
public static class SignalsBenchmark
{
    private static readonly string[] Types = ["page-view", "page-view", "page-view", "click", "email-open", "email-click", "download", "reply", "cart-add", "form-submit"];

    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var seconds = args.Number("seconds", 20);
        var connections = args.Number("connections", 8);
        var batch = args.Number("batch", 500);
        var pool = args.Number("leads", 2000);
        var warmup = args.Number("warmup", 10);
        var perLead = args.Number("per-lead", 1);
        var run = Guid.NewGuid().ToString("N")[..8];

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections + 8 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var local = args.Text("local", ".local");
        var captured = await TotalsAsync(http);
        var leads = await CaptureLeadsAsync(http, run, pool);
        var settled = await SettleAsync(http, local, captured, leads.Count);
        Console.WriteLine($"signals: {leads.Count} leads captured for the run (batch capture); their pipeline (assignment, welcome, counts) settled in {settled.TotalSeconds:0} s, before any signal");

        if (warmup > 0)
        {
            await LoadAsync(http, leads, run + "w", connections, batch, warmup, perLead);
            await SettleAsync(http, local, null, 0);
            Console.WriteLine($"warm-up: {warmup} s (not measured)");
        }

        var cpu = ProcessCpu.Snapshot(local);
        var batched = await LoadAsync(http, leads, run + "b", connections, batch, seconds, perLead);
        var cpuBatched = ProcessCpu.Snapshot(local);
        await SettleAsync(http, local, null, 0);
        var cpuSingle = ProcessCpu.Snapshot(local);
        var single = await LoadAsync(http, leads, run + "s", connections, 1, seconds, 1);
        var cpuAfter = ProcessCpu.Snapshot(local);
        Console.WriteLine($"batches of {batch} ({perLead} signals per lead in a batch), {connections} connections, {seconds} s: {batched.Recorded} signals recorded = {batched.Rate:0} signals/s (rejected {batched.Rejected}, failed requests {batched.Failed}); answer p50 {Percentile(batched.AnswerMs, 0.5):0} ms, p99 {Percentile(batched.AnswerMs, 0.99):0} ms");
        Console.WriteLine($"baseline, one signal per request, {connections} connections, {seconds} s: {single.Recorded} signals recorded = {single.Rate:0} signals/s (rejected {single.Rejected}, failed requests {single.Failed}); answer p50 {Percentile(single.AnswerMs, 0.5):0} ms, p99 {Percentile(single.AnswerMs, 0.99):0} ms");
        Console.WriteLine($"ratio batch / single: {batched.Rate / Math.Max(1, single.Rate):0.0}x");
        if (cpu.Count > 0)
        {
            Console.WriteLine("CPU, batches: " + ProcessCpu.PerUnit(cpu, cpuBatched, batched.Recorded / 1000.0, "1,000 signals"));
            Console.WriteLine("CPU, one per request: " + ProcessCpu.PerUnit(cpuSingle, cpuAfter, single.Recorded / 1000.0, "1,000 signals"));
        }

        return batched.Failed + single.Failed == 0 ? 0 : 1;
    }

    private static async Task<List<string>> CaptureLeadsAsync(HttpClient http, string run, int pool)
    {
        var ids = new List<string>(pool);
        for (var start = 0; start < pool; start += 250)
        {
            var items = Enumerable.Range(start, Math.Min(250, pool - start))
                .Select(i => $$"""{"email":"sig.{{run}}.{{i}}@example.com","name":"Signal {{i}}","source":"signals-bench"}""");
            using var response = await http.PostAsync("/api/leads/batch", new StringContent($$"""{"items":[{{string.Join(",", items)}}]}""", Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            ids.AddRange(answer.RootElement.GetProperty("results").EnumerateArray()
                .Where(r => r.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                .Select(r => r.GetProperty("id").GetString()!));
        }

        return ids;
    }

    /// <summary>Closed loop: each batch names <paramref name="perLead"/> signals per lead (a visit's burst), its leads drawn at random from the pool.</summary>
    private static async Task<Result> LoadAsync(HttpClient http, List<string> leads, string run, int connections, int batch, int seconds, int perLead)
    {
        var result = new Result();
        var sequence = 0L;
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            var random = new Random(worker * 7919 + run.GetHashCode(StringComparison.Ordinal));
            var body = new StringBuilder(batch * 120);
            while (Stopwatch.GetTimestamp() < until)
            {
                body.Clear().Append("{\"items\":[");
                var lead = leads[random.Next(leads.Count)];
                for (var i = 0; i < batch; i++)
                {
                    if (i % Math.Max(1, perLead) == 0)
                    {
                        lead = leads[random.Next(leads.Count)];
                    }

                    var n = Interlocked.Increment(ref sequence);
                    body.Append(i == 0 ? "" : ",")
                        .Append("{\"id\":\"").Append(run).Append('-').Append(n)
                        .Append("\",\"type\":\"").Append(Types[random.Next(Types.Length)])
                        .Append("\",\"leadId\":\"").Append(lead).Append("\"}");
                }

                body.Append("]}");
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("/api/leads/signals", new StringContent(body.ToString(), Encoding.UTF8, "application/json"));
                    var text = await response.Content.ReadAsStringAsync();
                    result.AnswerMs.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref result.Failed);
                        continue;
                    }

                    using var answer = JsonDocument.Parse(text);
                    Interlocked.Add(ref result.Recorded, answer.RootElement.GetProperty("recorded").GetInt32());
                    Interlocked.Add(ref result.Rejected, answer.RootElement.GetProperty("rejected").GetInt32());
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref result.Failed);
                }
            }
        }));
        result.Rate = result.Recorded / Stopwatch.GetElapsedTime(started).TotalSeconds;
        return result;
    }

    /// <summary>
    /// Waits until Analytics has counted <paramref name="pool"/> more leads than <paramref name="captured"/> as captured and
    /// the platform's processes went idle (under 0.15 of a core together, two seconds running): the work the captures or
    /// the previous phase set off downstream (assignment, welcomes, scores consumed) does not share the cores with the
    /// measured signals. Gives up after 5 minutes.
    /// </summary>
    private static async Task<TimeSpan> SettleAsync(HttpClient http, string local, string? captured, int pool)
    {
        var started = Stopwatch.GetTimestamp();
        var target = captured is null ? 0 : CapturedOf(captured) + pool;
        var idle = 0;
        var cpu = ProcessCpu.Snapshot(local);
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(1000);
            var now = ProcessCpu.Snapshot(local);
            var cores = now.Where(p => cpu.ContainsKey(p.Key)).Sum(p => p.Value - cpu[p.Key]) / ProcessCpu.TicksPerSecond;
            cpu = now;
            idle = cores < 0.15 ? idle + 1 : 0;
            if (idle >= 2 && CapturedOf(await TotalsAsync(http)) >= target)
            {
                break;
            }
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<string> TotalsAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/analytics/summary"));
        return document.RootElement.GetProperty("totals").GetRawText();
    }

    private static int CapturedOf(string totals)
    {
        using var document = JsonDocument.Parse(totals);
        return document.RootElement.GetProperty("leadsCaptured").GetInt32();
    }

    private static double Percentile(ConcurrentBag<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private sealed class Result
    {
        public ConcurrentBag<double> AnswerMs { get; } = [];

        public long Recorded;

        public long Rejected;

        public int Failed;

        public double Rate { get; set; }
    }
}
