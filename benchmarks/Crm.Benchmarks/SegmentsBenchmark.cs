using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Crm.Benchmarks;

/// <summary>
/// Live segments against a platform started by <c>./crm up</c> (with the gateway's per-key limit raised): captures
/// <c>--contacts</c> (+ <c>--warmup</c>) people through the gateway and tags each with the run's marker, defines five
/// segments over the run's contacts (a tag, the lifecycle stage, e-mail consent, having ordered, and a time-based one:
/// ordered within the last 30 days), waits until they are live, then makes one change per contact at a steady
/// <c>--rate</c> per second: 6 in 10 a PATCH of the tags, 2 in 10 a PATCH of the lifecycle stage, 1 in 10 e-mail consent
/// granted, 1 in 10 an order, each of which makes the contact join one segment. Measures the time from the change
/// accepted (its 2xx answer received) to that <c>SegmentMembershipChanged</c> delivered to a queue of this benchmark.
/// The warm-up contacts' changes run first at the same rate and are not measured.
/// </summary>
public static class SegmentsBenchmark
{
    private const string Exchange = "Crm.Contracts.Contacts:SegmentMembershipChanged";

    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var contacts = args.Number("contacts", 1000);
        var warmup = args.Number("warmup", 200);
        var rate = args.Number("rate", 50);
        var run = Guid.NewGuid().ToString("N")[..8];
        var marker = $"bench-{run}";

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // People of this run, each tagged with the marker (not measured).
        var setup = Stopwatch.StartNew();
        var people = new ConcurrentBag<string>();
        await ParallelAsync(contacts + warmup, 8, async n =>
        {
            var phone = 20_000_000 + ((long.Parse(run[..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture) * 100_000) + n) % 79_999_999;
            using var response = await http.PostAsync("/api/leads", PipelineBenchmark.Json($$"""{"name":"Segment Bench {{n}}","email":"segments-{{run}}-{{n}}@example.com","phone":"+49 30 {{phone.ToString(CultureInfo.InvariantCulture)}}","source":"benchmark","channel":"web"}"""));
            using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (response.StatusCode == HttpStatusCode.Created && lead.RootElement.TryGetProperty("contactId", out var id) && id.GetString() is { } contactId)
            {
                using var tagged = await PatchAsync(http, contactId, $$"""{"tags":["{{marker}}"]}""");
                tagged.EnsureSuccessStatusCode();
                people.Add(contactId);
            }
        });
        var ids = people.Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"set-up: {ids.Count} contacts captured and tagged in {setup.Elapsed.TotalSeconds:0.0} s");

        string Tagged(string extra) => $$"""{"field":"tags","op":"contains","value":"{{extra}}"}""";
        var segments = new List<(string Name, string Id)>();
        foreach (var (name, rule) in new[]
        {
            ("tagged", Tagged($"{marker}-a")),
            ("customers", $$"""{"all":[{{Tagged(marker)}},{"field":"lifecycleStage","op":"eq","value":"customer"}]}"""),
            ("email consent", $$"""{"all":[{{Tagged(marker)}},{"field":"consent.email","op":"eq","value":"granted"}]}"""),
            ("buyers", $$"""{"all":[{{Tagged(marker)}},{"field":"summary.orders","op":"gte","value":1}]}"""),
            ("recent buyers", $$"""{"all":[{{Tagged(marker)}},{"field":"summary.lastOrderAt","op":"withinLast","value":"P30D"}]}"""),
        })
        {
            using var created = await http.PostAsync("/api/contacts/segments", PipelineBenchmark.Json($$"""{"name":"Bench {{run}} {{name}}","rule":{{rule}}}"""));
            var text = await created.Content.ReadAsStringAsync();
            if (created.StatusCode != HttpStatusCode.Created)
            {
                Console.WriteLine($"creating segment '{name}' failed: {(int)created.StatusCode} {text}");
                return 1;
            }

            using var body = JsonDocument.Parse(text);
            segments.Add((name, body.RootElement.GetProperty("id").GetString()!));
        }

        foreach (var (name, id) in segments)
        {
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 300;
            while (true)
            {
                using var read = JsonDocument.Parse(await http.GetStringAsync($"/api/contacts/segments/{id}"));
                if (read.RootElement.GetProperty("status").GetString() == "live")
                {
                    break;
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    Console.WriteLine($"segment '{name}' not live after 5 minutes");
                    return 1;
                }

                await Task.Delay(100);
            }
        }

        Console.WriteLine($"segments live: {string.Join(", ", segments.Select(s => s.Name))}");

        await using var joined = await EventListener.StartAsync(
            new Uri(args.Text("amqp", "amqp://guest:guest@127.0.0.1:5682/")),
            Exchange,
            m => m.TryGetProperty("joined", out var j) && j.GetBoolean() ? $"{m.GetProperty("segmentId").GetString()}:{m.GetProperty("contactId").GetString()}" : null);

        var warm = ids.Take(Math.Min(warmup, ids.Count)).ToList();
        var measured = ids.Skip(warm.Count).ToList();
        if (warm.Count > 0)
        {
            await ChangeAllAsync(http, warm, segments, marker, run, rate, new ChangeResult());
            Console.WriteLine($"warm-up: {warm.Count} changes (not measured)");
        }

        Console.WriteLine($"segments: {measured.Count} changes, open loop at {rate}/s");
        var result = new ChangeResult();
        var started = Stopwatch.GetTimestamp();
        await ChangeAllAsync(http, measured, segments, marker, run, rate, result);
        Console.WriteLine($"changes accepted: {result.Accepted.Count} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s (failed {result.Failed}); answer p50 {PipelineBenchmark.Percentile(result.AnswerMs, 0.5):0} ms, p99 {PipelineBenchmark.Percentile(result.AnswerMs, 0.99):0} ms");

        var waitUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (result.Accepted.Keys.Any(k => !joined.Arrived.ContainsKey(k)) && Stopwatch.GetTimestamp() < waitUntil)
        {
            await Task.Delay(100);
        }

        foreach (var kind in new[] { "tags", "stage", "consent", "order", "all" })
        {
            var latencies = result.Accepted
                .Where(a => kind == "all" || a.Value.Kind == kind)
                .Where(a => joined.Arrived.ContainsKey(a.Key))
                .Select(a => Stopwatch.GetElapsedTime(a.Value.AcceptedAt, joined.Arrived[a.Key]).TotalMilliseconds)
                .ToList();
            var expected = result.Accepted.Count(a => kind == "all" || a.Value.Kind == kind);
            Console.WriteLine($"change accepted -> SegmentMembershipChanged ({kind}, {latencies.Count} of {expected}): p50 {PipelineBenchmark.Percentile(latencies, 0.5):0} ms, p95 {PipelineBenchmark.Percentile(latencies, 0.95):0} ms, p99 {PipelineBenchmark.Percentile(latencies, 0.99):0} ms, max {(latencies.Count > 0 ? latencies.Max() : double.NaN):0} ms");
        }

        var missing = result.Accepted.Count(a => !joined.Arrived.ContainsKey(a.Key));
        if (missing > 0)
        {
            Console.WriteLine($"MISSING: {missing} changes without their SegmentMembershipChanged after 60 s");
            return 1;
        }

        return 0;
    }

    /// <summary>One change per contact, the i-th sent at start + i / rate; each accepted change recorded under the segment it must make the contact join.</summary>
    private static async Task ChangeAllAsync(HttpClient http, List<string> contacts, List<(string Name, string Id)> segments, string marker, string run, int rate, ChangeResult result)
    {
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(contacts.Count);
        for (var i = 0; i < contacts.Count; i++)
        {
            var due = start + (long)(Stopwatch.Frequency * i / (double)rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var contact = contacts[i];
            var (kind, segment) = (i % 10) switch
            {
                < 6 => ("tags", segments[0].Id),
                < 8 => ("stage", segments[1].Id),
                8 => ("consent", segments[2].Id),
                _ => ("order", segments[3].Id),
            };
            inFlight.Add(ChangeAsync(http, contact, kind, $"{segment}:{contact}", marker, run, result));
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task ChangeAsync(HttpClient http, string contact, string kind, string expect, string marker, string run, ChangeResult result)
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var response = kind switch
            {
                "tags" => await PatchAsync(http, contact, $$"""{"tags":["{{marker}}","{{marker}}-a"]}"""),
                "stage" => await PatchAsync(http, contact, """{"lifecycleStage":"customer"}"""),
                "consent" => await http.PostAsync($"/api/contacts/{contact}/consent", PipelineBenchmark.Json("""{"channels":[{"channel":"email","status":"granted","legalBasis":"consent","source":"api","wordingVersion":"bench"}]}""")),
                _ => await http.PostAsync($"/api/contacts/{contact}/orders", PipelineBenchmark.Json($$"""{"reference":"BENCH-{{run}}-{{contact}}","amount":{"amount":"10.00","currency":"EUR"},"channel":"web"}""")),
            };
            var accepted = Stopwatch.GetTimestamp();
            result.AnswerMs.Add(Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds);
            if (response.IsSuccessStatusCode)
            {
                result.Accepted[expect] = (kind, accepted);
            }
            else
            {
                Interlocked.Increment(ref result.Failed);
                Console.WriteLine($"{kind} of {contact}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref result.Failed);
        }
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient http, string contact, string body) =>
        http.PatchAsync($"/api/contacts/{contact}", new StringContent(body, Encoding.UTF8, "application/merge-patch+json"));

    private static Task ParallelAsync(int count, int degree, Func<int, Task> work) =>
        Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = degree }, async (n, _) => await work(n));

    private sealed class ChangeResult
    {
        public ConcurrentDictionary<string, (string Kind, long AcceptedAt)> Accepted { get; } = new(StringComparer.Ordinal);

        public ConcurrentBag<double> AnswerMs { get; } = [];

        public int Failed;
    }
}
