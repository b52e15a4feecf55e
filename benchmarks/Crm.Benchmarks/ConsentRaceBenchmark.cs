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
using Microsoft.Extensions.Logging;

namespace Crm.Benchmarks;

/// <summary>
/// Sends against consent withdrawals (issue 12), against a platform started by <c>./crm up</c> whose Messaging hands SMS
/// to this benchmark's loopback provider (<c>Channels__Sms__BaseUrl=http://127.0.0.1:5199</c> ...; see
/// benchmarks/README.md). Starts the provider (Twilio-like: <c>POST /2010-04-01/Accounts/{sid}/Messages.json</c>,
/// form-encoded, answered 201 with a sid) which notes when each SMS arrives, per recipient; imports <c>--races</c> + 1
/// contacts (one phone each, tagged with the run) and grants each SMS consent; checks with the first contact that an
/// SMS reaches the provider; then for every other contact races <c>POST /api/messaging/messages</c> (sms, a marketing
/// template) against <c>POST /api/contacts/{id}/consent</c> withdrawing SMS, sent a random 0..<c>--spread-ms</c> after
/// the send (so withdrawals land before, during and after the message's way to the provider), <c>--concurrency</c> races
/// at a time. When every message is finished it counts, per race, whether the SMS reached the provider before or after
/// the withdrawal committed (<see cref="ConsentRaceCount"/>). Exit 2 when one arrived after.
/// </summary>
public static class ConsentRaceBenchmark
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? (await File.ReadAllTextAsync(Path.Combine(args.Text("local", ".local"), "api-key"))).Trim();
        var races = args.Number("races", 10_000);
        var concurrency = args.Number("concurrency", 64);
        var spreadMs = args.Number("spread-ms", 100);
        var port = args.Number("provider-port", 5199);
        var run = Guid.NewGuid().ToString("N")[..8];
        var tag = $"consent-race-{run}";

        var arrivals = new ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>>(StringComparer.Ordinal);
        await using var provider = await StartProviderAsync(port, arrivals);
        Console.WriteLine($"loopback SMS provider on http://127.0.0.1:{port} (Messaging must be started with Channels__Sms__BaseUrl pointing here)");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(16, concurrency * 2) }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Set-up (not measured): the template, the contacts, their SMS consent.
        var setup = Stopwatch.StartNew();
        var template = $"race-{run}";
        using (var put = await http.PutAsync($"/api/messaging/templates/{template}/sms/en", PipelineBenchmark.Json("""{"purpose":"marketing","body":"Offer for {{ contact.first_name }}"}""")))
        {
            if (!put.IsSuccessStatusCode)
            {
                Console.WriteLine($"creating the template failed: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
                return 1;
            }
        }

        var contacts = await ImportAsync(http, races + 1, run, tag);
        if (contacts is null)
        {
            return 1;
        }

        var consentFailures = 0;
        await Parallel.ForEachAsync(contacts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (contact, _) =>
        {
            using var granted = await ConsentAsync(http, contact.Id, """{"channels":[{"channel":"sms","status":"granted","legalBasis":"consent","source":"web-form","wordingVersion":"sms-offers-bench"}]}""");
            if (granted.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref consentFailures);
            }
        });
        Console.WriteLine($"set-up: {contacts.Count} contacts imported with SMS consent granted in {setup.Elapsed.TotalSeconds:0.0} s ({consentFailures} grants failed)");
        if (consentFailures > 0)
        {
            return 1;
        }

        var probe = contacts[0];
        var probeMessage = await SendAsync(http, probe.Id, template);
        var probeDeadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (!arrivals.ContainsKey(probe.Phone) && Stopwatch.GetTimestamp() < probeDeadline)
        {
            await Task.Delay(100);
        }

        if (!arrivals.ContainsKey(probe.Phone))
        {
            var status = probeMessage is null ? "not accepted" : (await StatusesAsync(http, [(probe.Id, probeMessage)])).GetValueOrDefault(probeMessage, "unknown");
            Console.WriteLine($"the probe SMS did not reach the loopback provider within 60 s (message {status}): start the platform with Messaging's SMS provider on this port, see benchmarks/README.md");
            return 1;
        }

        // The races.
        var results = new ConcurrentBag<(Contact Contact, string? MessageId, DateTimeOffset CommittedAt, DateTimeOffset AnsweredAt)>();
        var failedSends = 0;
        var failedWithdrawals = 0;
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(contacts.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (contact, _) =>
        {
            var offset = TimeSpan.FromMilliseconds(Random.Shared.Next(0, spreadMs + 1));
            var send = SendAsync(http, contact.Id, template);
            var withdraw = WithdrawAsync(http, contact.Id, offset);
            var messageId = await send;
            var withdrawal = await withdraw;
            if (messageId is null)
            {
                Interlocked.Increment(ref failedSends);
            }

            if (withdrawal is not { } w)
            {
                Interlocked.Increment(ref failedWithdrawals);
                return;
            }

            results.Add((contact, messageId, w.CommittedAt, w.AnsweredAt));
        });
        Console.WriteLine($"races: {results.Count} in {started.Elapsed.TotalSeconds:0.0} s ({failedSends} sends and {failedWithdrawals} withdrawals not accepted), {concurrency} at a time, withdrawals 0..{spreadMs} ms after their send");

        // Wait until every message is finished (sent, suppressed...), then count.
        var messages = results.Where(r => r.MessageId is not null).Select(r => (r.Contact.Id, r.MessageId!)).ToList();
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        var finishDeadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (true)
        {
            var pending = messages.Where(m => !statuses.ContainsKey(m.Item2)).ToList();
            foreach (var (id, status) in await StatusesAsync(http, pending))
            {
                if (status is not ("queued" or "sending"))
                {
                    statuses[id] = status;
                }
            }

            if (statuses.Count == messages.Count || Stopwatch.GetTimestamp() > finishDeadline)
            {
                break;
            }

            await Task.Delay(1000);
        }

        Console.WriteLine("messages: " + string.Join(", ", statuses.Values.GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")) +
                          (statuses.Count < messages.Count ? $", NOT finished after 10 minutes: {messages.Count - statuses.Count}" : string.Empty));

        var count = ConsentRaceCount.Of(results.Select(r => new ConsentRace(
            r.Contact.Id,
            r.CommittedAt,
            r.AnsweredAt,
            arrivals.TryGetValue(r.Contact.Phone, out var times) ? [.. times] : [])));
        foreach (var line in count.Lines())
        {
            Console.WriteLine(line);
        }

        return !count.GoalMet ? 2 : statuses.Count < messages.Count || failedSends + failedWithdrawals > 0 ? 1 : 0;
    }

    private sealed record Contact(string Id, string Phone);

    private static async Task<WebApplication> StartProviderAsync(int port, ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> arrivals)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/2010-04-01/Accounts/{sid}/Messages.json", async (HttpRequest request) =>
        {
            // Timed as the handler starts: the request is here (an upper bound of its arrival).
            var at = DateTimeOffset.UtcNow;
            var form = await request.ReadFormAsync();
            arrivals.GetOrAdd(form["To"].ToString(), _ => new()).Enqueue(at);
            return Results.Text($$"""{"sid":"SM{{Guid.NewGuid():N}}","status":"queued"}""", "application/json", Encoding.UTF8, StatusCodes.Status201Created);
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>The run's contacts through a CSV import (one Berlin number each, tagged), then listed by the tag.</summary>
    private static async Task<List<Contact>?> ImportAsync(HttpClient http, int count, string run, string tag)
    {
        var csv = new StringBuilder("name,phone,tags\n");
        var seed = long.Parse(run[..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        for (var n = 0; n < count; n++)
        {
            var subscriber = 20_000_000 + ((seed * 100_000) + n) % 79_999_999;
            csv.Append(CultureInfo.InvariantCulture, $"Race Bench {n},+49 30 {subscriber},{tag}\n");
        }

        using var upload = await http.PostAsync("/api/contacts/imports", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        if (upload.StatusCode != HttpStatusCode.Accepted)
        {
            Console.WriteLine($"the import failed: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync()}");
            return null;
        }

        var location = upload.Headers.Location!.ToString();
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 600;
        while (true)
        {
            using var job = JsonDocument.Parse(await http.GetStringAsync(location));
            var status = job.RootElement.GetProperty("status").GetString();
            if (status == "completed")
            {
                break;
            }

            if (status == "failed" || Stopwatch.GetTimestamp() > deadline)
            {
                Console.WriteLine($"the import did not complete: {job.RootElement}");
                return null;
            }

            await Task.Delay(500);
        }

        var contacts = new List<Contact>();
        string? cursor = null;
        do
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync($"/api/contacts?tag={tag}&limit=500" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}")));
            foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
            {
                if (item.TryGetProperty("primaryPhone", out var phone) && phone.GetString() is { } p)
                {
                    contacts.Add(new Contact(item.GetProperty("id").GetString()!, p));
                }
            }

            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);

        if (contacts.Count != count)
        {
            Console.WriteLine($"the import gave {contacts.Count} contacts with a phone, not {count}");
            return null;
        }

        return contacts;
    }

    private static Task<HttpResponseMessage> ConsentAsync(HttpClient http, string contactId, string body) =>
        http.PostAsync($"/api/contacts/{contactId}/consent", PipelineBenchmark.Json(body));

    /// <summary>The message's id, or null when the send was not accepted.</summary>
    private static async Task<string?> SendAsync(HttpClient http, string contactId, string template)
    {
        using var answer = await http.PostAsync("/api/messaging/messages", PipelineBenchmark.Json($$"""{"contactId":"{{contactId}}","channel":"sms","template":"{{template}}"}"""));
        if (answer.StatusCode != HttpStatusCode.Accepted)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString();
    }

    /// <summary>The withdrawal: when Contacts recorded it (the ledger entry's <c>at</c> in its answer) and when its answer came.</summary>
    private static async Task<(DateTimeOffset CommittedAt, DateTimeOffset AnsweredAt)?> WithdrawAsync(HttpClient http, string contactId, TimeSpan after)
    {
        await Task.Delay(after);
        using var answer = await ConsentAsync(http, contactId, """{"channels":[{"channel":"sms","status":"withdrawn","source":"sms"}]}""");
        var answeredAt = DateTimeOffset.UtcNow;
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        foreach (var entry in body.RootElement.GetProperty("ledger").GetProperty("items").EnumerateArray())
        {
            if (entry.GetProperty("channel").GetString() == "sms" && entry.GetProperty("status").GetString() == "withdrawn")
            {
                return (entry.GetProperty("at").GetDateTimeOffset(), answeredAt);
            }
        }

        return null;
    }

    /// <summary>The status of each given message (message id → status) as the contact's message list shows it; missing while not listed.</summary>
    private static async Task<Dictionary<string, string>> StatusesAsync(HttpClient http, IReadOnlyList<(string ContactId, string MessageId)> messages)
    {
        var statuses = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (m, cancellationToken) =>
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync($"/api/messaging/messages?contactId={m.ContactId}", cancellationToken));
            foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
            {
                if (item.GetProperty("id").GetString() == m.MessageId)
                {
                    var reason = item.TryGetProperty("reason", out var r) ? r.GetString() : null;
                    statuses[m.MessageId] = item.GetProperty("status").GetString() + (reason is null ? string.Empty : $" ({reason})");
                }
            }
        });
        return new Dictionary<string, string>(statuses, StringComparer.Ordinal);
    }
}
