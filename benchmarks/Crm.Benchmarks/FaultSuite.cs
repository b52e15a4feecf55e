using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Crm.Benchmarks;

/// <summary>
/// What a failure costs, counted: steady captures through the gateway of a platform started by <c>./crm up</c> while
/// one process is killed (SIGKILL, <c>./crm kill</c>) and started again after an outage (<c>./crm restart</c>), one
/// scenario after the other. Per scenario it counts, for every capture: refused answers (the integrator retries with
/// the same <c>Idempotency-Key</c>, as a web form backend would), captures never acknowledged, acknowledged leads
/// never assigned (lost), welcome e-mails missing or sent twice (at the pickup folder), Analytics counting more than
/// was captured, dead letters added (in the services' stores or the broker's <c>_error</c> queues), and the recovery time (restart → every lead assigned and
/// welcomed).
/// </summary>
public static partial class FaultSuite
{
    private static readonly string[] AllScenarios =
        ["kill-contacts", "kill-leads", "kill-assignment", "kill-messaging", "kill-analytics", "contacts-down", "rabbitmq-restart", "rabbitmq-kill"];

    public static async Task<int> RunAsync(Arguments args)
    {
        var rate = args.Number("rate", 30);
        var seconds = args.Number("seconds", 60);
        var outage = args.Number("outage", 10);
        var longOutage = args.Number("long-outage", 60);
        var faultAt = args.Number("fault-at", Math.Max(1, seconds / 4));
        var recoveryLimit = args.Number("recovery-limit", 600);
        var gateway = new Uri(args.Text("gateway", "http://127.0.0.1:5000"));
        var key = args.Text("key") ?? throw new ArgumentException("--key (the gateway API key) is required");
        var local = Path.GetFullPath(args.Text("local", ".local"));
        var crm = Path.GetFullPath(args.Text("crm", "crm"));
        var scenarios = args.Text("scenario", "all") is "all" ? AllScenarios : args.Text("scenario", "all").Split(',');

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await EnsureRepAsync(http);

        Console.WriteLine($"fault suite: {rate} captures/s for {seconds} s per scenario, the fault at {faultAt} s, outage {outage} s ({longOutage} s for contacts-down and rabbitmq-kill)");
        Console.WriteLine();
        Console.WriteLine("| scenario | acknowledged | refused answers | never acknowledged | lost (not assigned) | e-mails missing | e-mails twice | counted twice | dead letters left | recovery |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var failed = false;
        foreach (var scenario in scenarios)
        {
            var (process, down) = scenario switch
            {
                "contacts-down" => ("contacts", longOutage),
                "rabbitmq-kill" => ("rabbitmq", longOutage),
                "rabbitmq-restart" => ("rabbitmq", 0),
                _ when scenario.StartsWith("kill-", StringComparison.Ordinal) => (scenario["kill-".Length..], outage),
                _ => throw new ArgumentException($"unknown scenario '{scenario}'; known: {string.Join(", ", AllScenarios)}"),
            };
            var result = await RunScenarioAsync(http, crm, local, scenario, process, down, rate, seconds, faultAt, recoveryLimit);
            Console.WriteLine(result.Row());
            failed |= !result.Clean;
        }

        return failed ? 1 : 0;
    }

    private static async Task<Result> RunScenarioAsync(
        HttpClient http, string crm, string local, string scenario, string process, int outage, int rate, int seconds, int faultAt, int recoveryLimit)
    {
        var run = $"{scenario}-{Guid.NewGuid():N}"[..(scenario.Length + 9)];
        var startedAt = DateTime.UtcNow.AddSeconds(-1);
        var deadLettersBefore = await DeadLettersAsync(http, crm, local);
        var countsBefore = await CountsAsync(http);
        var load = new Load();

        var loading = OpenLoopAsync(http, run, rate, seconds, load);
        await Task.Delay(TimeSpan.FromSeconds(faultAt));
        if (scenario == "rabbitmq-restart")
        {
            await CrmAsync(crm, "restart", "rabbitmq");
        }
        else
        {
            await CrmAsync(crm, "kill", process);
            await Task.Delay(TimeSpan.FromSeconds(outage));
            await CrmAsync(crm, "restart", process);
        }

        var restarted = Stopwatch.StartNew();
        await loading;

        // Recovery: every acknowledged lead assigned and welcomed (once), or the limit.
        var leads = load.Acknowledged.ToArray();
        var emails = leads.Select(l => l.Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unassigned = leads.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, int> welcomes = [];
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(recoveryLimit))
        {
            unassigned = await UnassignedAsync(http, unassigned);
            welcomes = CountWelcomes(Path.Combine(local, "mail-pickup"), startedAt, run);
            if (unassigned.Count == 0 && emails.All(welcomes.ContainsKey))
            {
                break;
            }

            await Task.Delay(1000);
        }

        var recovery = restarted.Elapsed;
        await Task.Delay(3000); // late duplicates: a second e-mail or count after the first
        welcomes = CountWelcomes(Path.Combine(local, "mail-pickup"), startedAt, run);
        var countsAfter = await CountsAsync(http);
        return new Result(
            scenario,
            leads.Length,
            load.RefusedAnswers,
            load.NeverAcknowledged,
            unassigned.Count,
            emails.Count(e => !welcomes.ContainsKey(e)),
            welcomes.Count(w => w.Value > 1),
            Math.Max(0, countsAfter.Captured - countsBefore.Captured - leads.Length),
            await DeadLettersAsync(http, crm, local) - deadLettersBefore,
            unassigned.Count == 0 && emails.All(welcomes.ContainsKey) ? recovery : null);
    }

    private static async Task OpenLoopAsync(HttpClient http, string run, int rate, int seconds, Load load)
    {
        var total = rate * seconds;
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(total);
        for (var i = 1; i <= total; i++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(Stopwatch.Frequency * (i - 1) / (double)rate));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            inFlight.Add(CaptureAsync(http, run, i, load));
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>One capture as a careful integrator sends it: retried with the same Idempotency-Key for up to 2 minutes.</summary>
    private static async Task CaptureAsync(HttpClient http, string run, int n, Load load)
    {
        var email = $"fault-{run}-{n}@example.com";
        var body = $$"""{"name":"Fault Lead {{n}}","email":"{{email}}","source":"fault-suite","channel":"web","pagesVisited":{{n % 5}}}""";
        var giveUp = Stopwatch.StartNew();
        for (var attempt = 0; giveUp.Elapsed < TimeSpan.FromMinutes(2); attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", email);
                using var response = await http.SendAsync(request);
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted)
                {
                    using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    load.Acknowledged.Add((lead.RootElement.GetProperty("id").GetString()!, email));
                    return;
                }

                Interlocked.Increment(ref load.RefusedAnswers);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref load.RefusedAnswers);
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, 1 << Math.Min(attempt, 4))));
        }

        Interlocked.Increment(ref load.NeverAcknowledged);
    }

    private static async Task<HashSet<string>> UnassignedAsync(HttpClient http, HashSet<string> ids)
    {
        var still = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            try
            {
                using var response = await http.GetAsync($"/api/leads/{id}", ct);
                using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                if (!response.IsSuccessStatusCode || lead.RootElement.GetProperty("ownerId").ValueKind != JsonValueKind.String)
                {
                    still.Add(id);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                still.Add(id);
            }
        });
        return [.. still];
    }

    /// <summary>Welcome e-mails of this run in the pickup folder (files written since it started), by address.</summary>
    private static Dictionary<string, int> CountWelcomes(string pickup, DateTime since, string run)
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(pickup))
        {
            return counts;
        }

        foreach (var file in new DirectoryInfo(pickup).EnumerateFiles("*.eml").Where(f => f.LastWriteTimeUtc >= since))
        {
            string text;
            try
            {
                text = File.ReadAllText(file.FullName);
            }
            catch (IOException)
            {
                continue;
            }

            if (ToAddress().Match(text) is { Success: true } to && to.Groups[1].Value.Contains(run, StringComparison.Ordinal))
            {
                counts[to.Groups[1].Value] = counts.GetValueOrDefault(to.Groups[1].Value) + 1;
            }
        }

        return counts;
    }

    private static readonly string[] Services = ["contacts", "leads", "assignment", "messaging", "analytics"];

    /// <summary>
    /// Dead letters: those the services keep in their stores (<c>GET /api/{service}/admin/dead-letters/queues</c>)
    /// and any left in the broker's <c>_error</c> / <c>_skipped</c> queues (where one goes only when its store failed).
    /// </summary>
    private static async Task<long> DeadLettersAsync(HttpClient http, string crm, string local)
    {
        long kept = 0;
        foreach (var service in Services)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var queues = JsonDocument.Parse(await http.GetStringAsync($"/api/{service}/admin/dead-letters/queues"));
                    kept += queues.RootElement.GetProperty("items").EnumerateArray().Sum(q => q.GetProperty("count").GetInt64());
                    break;
                }
                catch (HttpRequestException) when (attempt < 30)
                {
                    await Task.Delay(1000);
                }
            }
        }

        var (_, output) = await RunAsync(crm, ["rabbitmqctl", "-q", "list_queues", "--no-table-headers", "name", "messages"], local);
        return kept + output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 2 && (f[0].EndsWith("_error", StringComparison.Ordinal) || f[0].EndsWith("_skipped", StringComparison.Ordinal)) && long.TryParse(f[1], CultureInfo.InvariantCulture, out _))
            .Sum(f => long.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private static async Task<(int Captured, int Assigned, int Messaged)> CountsAsync(HttpClient http)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync("/api/analytics/summary"));
                var totals = document.RootElement.GetProperty("totals");
                return (totals.GetProperty("leadsCaptured").GetInt32(), totals.GetProperty("leadsAssigned").GetInt32(), totals.GetProperty("messagesSent").GetInt32());
            }
            catch (HttpRequestException) when (attempt < 30)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static async Task EnsureRepAsync(HttpClient http)
    {
        using var reps = JsonDocument.Parse(await http.GetStringAsync("/api/assignment/reps?limit=100"));
        if (!reps.RootElement.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("active").GetBoolean()))
        {
            using var created = await http.PostAsync("/api/assignment/reps", new StringContent("""{"name":"Fault Rep","capacity":1000000}""", Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
        }
    }

    private static async Task CrmAsync(string crm, string command, string process)
    {
        var (exitCode, output) = await RunAsync(crm, [command, process], null);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"./crm {command} {process} failed:\n{output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string crm, string[] arguments, string? local)
    {
        var start = new ProcessStartInfo(crm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (local is not null)
        {
            start.Environment["CRM_LOCAL_DIR"] = local;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {crm}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^To: .*?<([^>]+)>", RegexOptions.Multiline)]
    private static partial Regex ToAddress();

    private sealed class Load
    {
        public ConcurrentBag<(string Id, string Email)> Acknowledged { get; } = [];

        public long RefusedAnswers;

        public long NeverAcknowledged;
    }

    private sealed record Result(
        string Scenario, int Acknowledged, long Refused, long NeverAcknowledged, int Lost, int EmailsMissing, int EmailsTwice, int CountedTwice, long DeadLetters, TimeSpan? Recovery)
    {
        public bool Clean => NeverAcknowledged == 0 && Lost == 0 && EmailsMissing == 0 && EmailsTwice == 0 && CountedTwice == 0 && DeadLetters == 0;

        public string Row() => string.Create(
            CultureInfo.InvariantCulture,
            $"| {Scenario} | {Acknowledged} | {Refused} | {NeverAcknowledged} | {Lost} | {EmailsMissing} | {EmailsTwice} | {CountedTwice} | {DeadLetters} | {(Recovery is { } r ? $"{r.TotalSeconds:0} s" : "NOT RECOVERED")} |");
    }
}
