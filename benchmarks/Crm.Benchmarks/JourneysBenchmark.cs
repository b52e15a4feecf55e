using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Crm.Benchmarks;

/// <summary>
/// Journeys against a platform started by <c>./crm up</c> (gateway per-key limit raised; optionally a second Messaging
/// replica: <c>./crm replica start messaging</c>): captures <c>--contacts</c> people (10,000) through the gateway, stores a
/// journey <c>bench-{run}</c> (trigger <c>ContactUpdated</c> with the run's tag; wait <c>--wait</c>, default 2 minutes;
/// send <c>post-purchase</c> by e-mail), then tags every contact at once (8 requests in flight) so all enter within
/// seconds. Measures, per contact, the first <c>MessageQueued</c> of the run's template for that contact (a queue of
/// this benchmark bound to its exchange) against when it was due: the tag PATCH accepted + the wait (an upper bound on
/// the entry time, so the lateness shown is a slight over-estimate). Reports lateness percentiles, contacts without
/// their message within 60 s of the last due time, and contacts with more than one message (must be 0).
/// </summary>
public static class JourneysBenchmark
{
    private const string Exchange = "Crm.Contracts.Messaging:MessageQueued";

    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var count = args.Number("contacts", 10_000);
        var wait = TimeSpan.Parse(args.Text("wait", "00:02:00")!, CultureInfo.InvariantCulture);
        var run = Guid.NewGuid().ToString("N")[..8];
        var marker = $"journey-bench-{run}";
        var journeyId = $"bench-{run}";

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var setup = Stopwatch.StartNew();
        var people = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, cancel) =>
        {
            var phone = 20_000_000 + ((long.Parse(run[..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture) * 100_000) + n) % 79_999_999;
            using var response = await http.PostAsync("/api/leads", PipelineBenchmark.Json($$"""{"name":"Journey Bench {{n}}","email":"journeys-{{run}}-{{n}}@example.com","phone":"+49 30 {{phone.ToString(CultureInfo.InvariantCulture)}}","source":"benchmark","channel":"web"}"""), cancel);
            using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            if (response.StatusCode == HttpStatusCode.Created && lead.RootElement.TryGetProperty("contactId", out var id) && id.GetString() is { } contactId)
            {
                people.Add(contactId);
            }
        });
        var ids = people.Distinct(StringComparer.Ordinal).ToList();
        Console.WriteLine($"set-up: {ids.Count} contacts captured in {setup.Elapsed.TotalSeconds:0.0} s");

        var journey = $$$"""
            {"name":"Benchmark {{{run}}}","trigger":{"event":"ContactUpdated","conditions":[{"field":"tags","op":"eq","values":["{{{marker}}}"]}]},
             "steps":[{"type":"wait","duration":"{{{wait.ToString("c", CultureInfo.InvariantCulture)}}}"},{"type":"send","template":"post-purchase","channel":"email"}],
             "stopOn":[],"reentry":{"rule":"never"}}
            """;
        using (var put = await http.PutAsync($"/api/messaging/journeys/{journeyId}", PipelineBenchmark.Json(journey)))
        {
            if (!put.IsSuccessStatusCode)
            {
                Console.WriteLine($"storing the journey failed: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
                return 1;
            }
        }

        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        await using var queued = await EventListener.StartAsync(
            new Uri(args.Text("amqp", "amqp://guest:guest@127.0.0.1:5682/")),
            Exchange,
            m => m.GetProperty("template").GetString() == "post-purchase" && m.GetProperty("contactId").GetString() is { } c && wanted.Contains(c)
                ? $"{c}|{m.GetProperty("messageId").GetString()}"
                : null);

        var due = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var failed = 0;
        var entering = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (contact, cancel) =>
        {
            using var response = await http.PatchAsync($"/api/contacts/{contact}", new StringContent($$"""{"tags":["{{marker}}"]}""", Encoding.UTF8, "application/merge-patch+json"), cancel);
            if (response.IsSuccessStatusCode)
            {
                due[contact] = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        });
        Console.WriteLine($"entering: {due.Count} contacts tagged in {entering.Elapsed.TotalSeconds:0.0} s (failed {failed}); each due {wait} after its tag");

        var lastDue = due.Values.DefaultIfEmpty(Stopwatch.GetTimestamp()).Max();
        var deadline = lastDue + (Stopwatch.Frequency * 60);
        Dictionary<string, (int Messages, long First)> Received() => queued.Arrived
            .Select(a => (Contact: a.Key[..a.Key.IndexOf('|', StringComparison.Ordinal)], At: a.Value))
            .GroupBy(a => a.Contact, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (g.Count(), g.Min(a => a.At)), StringComparer.Ordinal);
        while (Stopwatch.GetTimestamp() < deadline && Received().Count < due.Count)
        {
            await Task.Delay(500);
        }

        var received = Received();
        var lateness = due.Where(d => received.ContainsKey(d.Key)).Select(d => Stopwatch.GetElapsedTime(d.Value, received[d.Key].First).TotalMilliseconds).ToList();
        var within60 = lateness.Count(l => l <= 60_000);
        Console.WriteLine($"day-1 message lateness after due ({lateness.Count} of {due.Count}): p50 {PipelineBenchmark.Percentile(lateness, 0.5):0} ms, p95 {PipelineBenchmark.Percentile(lateness, 0.95):0} ms, p99 {PipelineBenchmark.Percentile(lateness, 0.99):0} ms, max {(lateness.Count > 0 ? lateness.Max() : double.NaN):0} ms");
        var duplicates = received.Count(r => r.Value.Messages > 1);
        var missing = due.Count - received.Count;
        Console.WriteLine($"within 60 s of due: {within60} of {due.Count}; missing {missing}; contacts with more than one message {duplicates}");
        await http.PutAsync($"/api/messaging/journeys/{journeyId}", PipelineBenchmark.Json(journey.Replace("{\"name\"", "{\"active\":false,\"name\"", StringComparison.Ordinal)));
        return missing == 0 && duplicates == 0 && within60 == due.Count ? 0 : 1;
    }
}
