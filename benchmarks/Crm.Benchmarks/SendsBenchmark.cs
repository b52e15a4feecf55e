using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Benchmarks;

/// <summary>
/// Messages rendered and handed to a provider (issue 12: "≥ 1,000/s on this machine"), against a running platform whose
/// SMS channel points at this benchmark's loopback Twilio-like provider (<see cref="LoopbackSmsProvider"/>). Set-up (not
/// measured): <c>--contacts</c> people captured through the gateway, a transactional SMS template of this run
/// (<c>bench-{run}</c>: the contact's first name and an order id variable), one probe message that must reach the
/// provider. Measured: <c>--messages</c> <c>POST /api/messaging/messages</c> from <c>--concurrency</c> clients as fast
/// as they go (a distinct order id per message, so every arrival is matched to its request); the provider records each
/// arrival. Printed: accepted/s, handed over/s (first request to last arrival), the steady rate (the middle 80 % of
/// arrivals), API-answer → arrival latency p50/p99/max, messages lost or handed over twice. Baseline of the same run:
/// the same form posted straight to the loopback provider by <c>--concurrency</c> clients (the provider's and loopback
/// HTTP's ceiling on this machine). With <c>--batch N</c> the messages go through <c>POST /api/messaging/messages/batch</c>,
/// N per request (each item's answer time is its batch's), so the send API is not the limit.
/// </summary>
public static class SendsBenchmark
{
    public const string Sid = "AC-bench";
    public const string Token = "bench-token";
    public const string From = "+15550000000";

    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var messages = args.Number("messages", 5_000);
        var warmup = args.Number("warmup", 500);
        var contactCount = args.Number("contacts", 500);
        var concurrency = args.Number("concurrency", 32);
        var port = args.Number("provider-port", 5199);
        var goal = args.Number("goal", 1_000);
        var batch = args.Number("batch", 0);
        var run = Guid.NewGuid().ToString("N")[..8];
        var template = $"bench-{run}";

        await using var provider = await LoopbackSmsProvider.StartAsync(port);
        Console.WriteLine(
            $"sends: {messages:N0} SMS through the send API{(batch > 0 ? $" in batches of {batch}" : "")} (after {warmup:N0} not measured), {concurrency} clients, to {contactCount:N0} contacts; " +
            $"loopback provider on 127.0.0.1:{port}; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Set-up: people with a phone number, the template of this run, one probe.
        var setup = Stopwatch.StartNew();
        var people = new ConcurrentBag<string>();
        var prefix = long.Parse(run[..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        await ParallelAsync(contactCount, 8, async n =>
        {
            var phone = 20_000_000 + ((prefix * 100_000) + n) % 79_999_999;
            using var response = await http.PostAsync("/api/leads", Json($$"""{"name":"Sends Bench {{n}}","email":"sends-{{run}}-{{n}}@example.com","phone":"+49 30 {{phone.ToString(CultureInfo.InvariantCulture)}}","source":"benchmark","channel":"web"}"""));
            using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted && lead.RootElement.TryGetProperty("contactId", out var id) && id.GetString() is { } contactId)
            {
                people.Add(contactId);
            }
        });
        var contacts = people.Order(StringComparer.Ordinal).ToArray();
        if (contacts.Length == 0)
        {
            Console.Error.WriteLine("no contact could be captured: is the platform running (./crm up) and the key valid?");
            return 1;
        }

        using (var put = await http.PutAsync($"/api/messaging/templates/{template}/sms/en", Json("""{"purpose":"transactional","body":"Hi {{ contact.first_name }}, order {{ order.id }} is confirmed."}""")))
        {
            if (!put.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"the template could not be stored: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
                return 1;
            }
        }

        var probe = $"probe-{run}";
        using (var queued = await SendAsync(http, contacts[0], template, probe))
        {
            if (queued.StatusCode != HttpStatusCode.Accepted)
            {
                Console.Error.WriteLine($"the probe was refused: {(int)queued.StatusCode} {await queued.Content.ReadAsStringAsync()}");
                return 1;
            }
        }

        var probeDeadline = Stopwatch.StartNew();
        while (!provider.Received.ContainsKey(probe))
        {
            if (probeDeadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                Console.Error.WriteLine(
                    $"the probe did not reach the loopback provider in 30 s. Start the platform with its SMS channel pointing here:{Environment.NewLine}" +
                    $"  Channels__Sms__BaseUrl=http://127.0.0.1:{port} Channels__Sms__AccountSid={Sid} Channels__Sms__AuthToken={Token} Channels__Sms__From=+15550000000 \\{Environment.NewLine}" +
                    "  Gateway__RateLimit__PermitsPerSecond=100000 Gateway__RateLimit__Burst=100000 ./crm up");
                return 1;
            }

            await Task.Delay(50);
        }

        Console.WriteLine($"set-up: {contacts.Length} contacts, template {template}, probe handed over, in {setup.Elapsed.TotalSeconds:0.0} s");

        // The provider's own ceiling (baseline of this run): the same form straight to it.
        var direct = await DirectAsync(port, messages, concurrency);

        if (warmup > 0)
        {
            await MeasureAsync(http, provider, contacts, template, $"w{run}", warmup, concurrency, batch);
        }

        var cpu = ProcessCpu.Snapshot(args.Text("local", ".local"));
        var result = await MeasureAsync(http, provider, contacts, template, $"m{run}", messages, concurrency, batch);
        var cpuDone = ProcessCpu.Snapshot(args.Text("local", ".local"));
        Console.WriteLine();
        Console.WriteLine("| path | messages | accepted/s | handed over/s (first request → last arrival) | steady (middle 80 %) | answer → arrival p50 / p99 / max | lost | twice |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| straight to the loopback provider (baseline) | {messages:N0} | – | {direct:N0} | – | – | 0 | 0 |");
        Console.WriteLine(
            $"| send API{(batch > 0 ? $" (batches of {batch})" : "")} → Messaging → provider | {result.Handed:N0} of {messages:N0} | {result.AcceptedPerSecond:N0} | {result.HandedPerSecond:N0} | {result.SteadyPerSecond:N0} " +
            $"| {result.P50.TotalMilliseconds:N0} / {result.P99.TotalMilliseconds:N0} / {result.Max.TotalMilliseconds:N0} ms | {result.Lost} | {result.Twice} |");
        Console.WriteLine($"ratio to the provider's ceiling: {result.HandedPerSecond / direct:0.00}");
        if (cpu.Count > 0)
        {
            Console.WriteLine("CPU from the first send request until the last hand-over (what follows a MessageSent may still run): " + ProcessCpu.PerUnit(cpu, cpuDone, result.Handed, "message"));
        }

        var met = result.Lost == 0 && result.Twice == 0 && result.HandedPerSecond >= goal;
        Console.WriteLine($"[goal] sends: {result.HandedPerSecond:N0} messages/s rendered and handed to the loopback provider (goal ≥ {goal:N0}), {result.Lost} lost, {result.Twice} twice: {(met ? "met" : "missed")}");
        return met ? 0 : 2;
    }

    private sealed record Result(int Handed, double AcceptedPerSecond, double HandedPerSecond, double SteadyPerSecond, TimeSpan P50, TimeSpan P99, TimeSpan Max, int Lost, int Twice);

    private static async Task<Result> MeasureAsync(HttpClient http, LoopbackSmsProvider provider, string[] contacts, string template, string tag, int count, int concurrency, int batch)
    {
        var answered = new TimeSpan[count];
        var refused = 0;
        var clock = Stopwatch.StartNew();
        var started = provider.Clock.Elapsed;
        if (batch > 0)
        {
            // --batch: N messages per POST /api/messaging/messages/batch; an item counts as accepted when its result is 202.
            await ParallelAsync((count + batch - 1) / batch, concurrency, async b =>
            {
                var first = b * batch;
                var items = Enumerable.Range(first, Math.Min(batch, count - first)).ToList();
                using var response = await SendBatchAsync(http, [.. items.Select(n => (contacts[n % contacts.Length], $"{tag}-{n}"))], template);
                var at = provider.Clock.Elapsed;
                var accepted = 0;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    accepted = answer.RootElement.GetProperty("results").EnumerateArray().Count(r => r.GetProperty("status").GetInt32() == 202);
                }

                foreach (var n in items)
                {
                    answered[n] = at;
                }

                Interlocked.Add(ref refused, items.Count - accepted);
            });
        }
        else
        {
            await ParallelAsync(count, concurrency, async n =>
            {
                using var response = await SendAsync(http, contacts[n % contacts.Length], template, $"{tag}-{n}");
                answered[n] = provider.Clock.Elapsed;
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref refused);
                }
            });
        }

        var accepted = clock.Elapsed;
        if (refused > 0)
        {
            Console.WriteLine($"{refused} sends refused (not 202)");
        }

        // Every message handed over, or nothing new for 30 s.
        var last = -1;
        var quiet = Stopwatch.StartNew();
        while (true)
        {
            var now = Enumerable.Range(0, count).Count(n => provider.Received.ContainsKey($"{tag}-{n}"));
            if (now == count - refused || quiet.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            if (now != last)
            {
                last = now;
                quiet.Restart();
            }

            await Task.Delay(100);
        }

        var arrivals = new List<TimeSpan>();
        var latencies = new List<TimeSpan>();
        var twice = 0;
        for (var n = 0; n < count; n++)
        {
            if (provider.Received.TryGetValue($"{tag}-{n}", out var times))
            {
                arrivals.Add(times[0]);
                latencies.Add(times[0] - answered[n]);
                twice += times.Count > 1 ? 1 : 0;
            }
        }

        arrivals.Sort();
        latencies.Sort();
        var handedSeconds = arrivals.Count == 0 ? double.NaN : (arrivals[^1] - started).TotalSeconds;
        var low = arrivals.Count / 10;
        var high = arrivals.Count - 1 - (arrivals.Count / 10);
        var steady = high > low ? (high - low) / (arrivals[high] - arrivals[low]).TotalSeconds : double.NaN;
        TimeSpan At(double q) => latencies.Count == 0 ? TimeSpan.Zero : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        return new Result(arrivals.Count, count / accepted.TotalSeconds, arrivals.Count / handedSeconds, steady, At(0.5), At(0.99), latencies.Count == 0 ? TimeSpan.Zero : latencies[^1], count - arrivals.Count, twice);
    }

    private static async Task<double> DirectAsync(int port, int count, int concurrency)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}")));
        var clock = Stopwatch.StartNew();
        await ParallelAsync(count, concurrency, async n =>
        {
            using var form = new FormUrlEncodedContent([new("To", "+4930200000"), new("From", From), new("Body", $"Hi Sends, order direct-{n} is confirmed.")]);
            using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/2010-04-01/Accounts/{Sid}/Messages.json"), form);
            response.EnsureSuccessStatusCode();
        });
        return count / clock.Elapsed.TotalSeconds;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string contactId, string template, string orderId) =>
        http.PostAsync("/api/messaging/messages", Json(JsonSerializer.Serialize(new
        {
            contactId,
            channel = "sms",
            template,
            purpose = "transactional",
            variables = new { order = new { id = orderId } },
        })));

    private static Task<HttpResponseMessage> SendBatchAsync(HttpClient http, IReadOnlyList<(string ContactId, string OrderId)> items, string template) =>
        http.PostAsync("/api/messaging/messages/batch", Json(JsonSerializer.Serialize(new
        {
            items = items.Select(i => new
            {
                contactId = i.ContactId,
                channel = "sms",
                template,
                purpose = "transactional",
                variables = new { order = new { id = i.OrderId } },
            }),
        })));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task ParallelAsync(int count, int degree, Func<int, Task> work) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = degree }, async (n, _) => await work(n));

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

/// <summary>
/// A Twilio-like SMS provider on loopback for benchmarks: <c>POST /2010-04-01/Accounts/{sid}/Messages.json</c> with
/// basic auth, answers 201 with a <c>sid</c>, and records when each message arrived, keyed by the order id in its body
/// (<c>order {id} is confirmed</c>).
/// </summary>
public sealed class LoopbackSmsProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackSmsProvider(WebApplication app) => _app = app;

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Arrival times (on <see cref="Clock"/>) by order id; more than one: handed over more than once.</summary>
    public ConcurrentDictionary<string, List<TimeSpan>> Received { get; } = new(StringComparer.Ordinal);

    public static async Task<LoopbackSmsProvider> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var provider = new LoopbackSmsProvider(app);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SendsBenchmark.Sid}:{SendsBenchmark.Token}"));
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", async (HttpContext context) =>
        {
            var at = provider.Clock.Elapsed;
            if (context.Request.Headers.Authorization != expected)
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            var form = await context.Request.ReadFormAsync();
            var body = form["Body"].ToString();
            var start = body.IndexOf("order ", StringComparison.Ordinal);
            var end = body.IndexOf(" is confirmed", StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                var times = provider.Received.GetOrAdd(body[(start + 6)..end], _ => []);
                lock (times)
                {
                    times.Add(at);
                }
            }

            return Results.Json(new { sid = "SM" + Guid.NewGuid().ToString("N"), status = "queued" }, statusCode: StatusCodes.Status201Created);
        });
        await app.StartAsync();
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
