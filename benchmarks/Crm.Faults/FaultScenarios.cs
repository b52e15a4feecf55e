using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Crm.Faults;

/// <summary>How big a run is and how long its faults last.</summary>
public sealed record FaultSettings
{
    /// <summary>Captures per second (open loop).</summary>
    public int Rate { get; init; } = 30;

    /// <summary>How long captures are sent.</summary>
    public int Seconds { get; init; } = 60;

    /// <summary>Seconds into the load when the fault happens (default: a quarter of <see cref="Seconds"/>).</summary>
    public int? FaultAt { get; init; }

    /// <summary>Seconds a killed service stays down (<c>kill-*</c>).</summary>
    public int Outage { get; init; } = 10;

    /// <summary>Seconds Contacts (<c>contacts-down</c>) or RabbitMQ (<c>rabbitmq-kill</c>) stays down.</summary>
    public int LongOutage { get; init; } = 60;

    /// <summary>How long, after the fault ended, every lead may take to be assigned, welcomed and counted.</summary>
    public TimeSpan RecoveryLimit { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait after recovery for late duplicates (a second e-mail or count after the first).</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Poison messages (<c>poison</c>) per capture: 0.01 is 1 % of the capture rate.</summary>
    public double PoisonShare { get; init; } = 0.01;

    /// <summary>The longest pause between a refused capture and its next attempt (1, 2, 4 … s up to this).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    public int FaultAtSeconds => FaultAt ?? Math.Max(1, Seconds / 4);
}

/// <summary>
/// The fault suite: steady captures through the gateway while one fault happens, then a check of every
/// acknowledged capture. One scenario at a time; each counts only its own captures (a run id in every e-mail address)
/// and the change of the platform's counters, so scenarios can follow each other on one platform.
/// </summary>
public static class FaultScenarios
{
    /// <summary>Every scenario, in the order <c>all</c> runs them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "steady", "kill-contacts", "kill-leads", "kill-assignment", "kill-messaging", "kill-analytics",
        "contacts-down", "rabbitmq-restart", "rabbitmq-kill", "outbox-republish", "replicas", "poison",
    ];

    public const string TableHeader =
        "| scenario | crash point | acknowledged | injected | refused answers | never acknowledged | lost (not assigned) | assigned twice | e-mails missing | e-mails twice | same e-mail redelivered | counted twice | dead letters left | skipped | poison not dead-lettered | outage | largest backlog | drained | recovery | leads done/s |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    /// <summary>An HTTP client for the platform's gateway with its admin key.</summary>
    public static HttpClient CreateClient(IFaultPlatform platform)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = platform.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform.ApiKey);
        return http;
    }

    /// <summary>Runs one scenario and checks every capture it acknowledged.</summary>
    public static async Task<FaultResult> RunAsync(IFaultPlatform platform, HttpClient http, string scenario, FaultSettings settings, TextWriter? log = null)
    {
        if (!All.Contains(scenario))
        {
            throw new ArgumentException($"unknown scenario '{scenario}'; known: {string.Join(", ", All)}", nameof(scenario));
        }

        // Poison is compared with a steady run of its own, just before, on the same platform and in this process.
        var baseline = scenario == "poison" ? await RunAsync(platform, http, "steady", settings, log) : null;

        var run = $"{scenario}-{Guid.NewGuid():N}"[..(scenario.Length + 9)];
        var startedAt = DateTime.UtcNow.AddSeconds(-1);
        await EnsureCapacityAsync(http, settings.Rate * settings.Seconds * 2);
        var deadLettersBefore = await DeadLettersAsync(platform);
        var countsBefore = await CountsAsync(http);
        var openLeadsBefore = await OpenLeadsAsync(http);
        var load = new Load();
        var injected = 0L;
        string? crash = null;
        (int ToError, int ToSkipped) poison = (0, 0);

        var loadStarted = Stopwatch.StartNew();
        var loading = OpenLoopAsync(http, run, settings, load);
        using var stopSampling = new CancellationTokenSource();
        var sampling = SampleBacklogAsync(http, load, countsBefore, loadStarted, stopSampling.Token);
        log?.WriteLine($"{scenario}: {settings.Rate} captures/s for {settings.Seconds} s");
        switch (scenario)
        {
            case "steady":
                break;
            case "poison":
                poison = await PoisonPublisher.RunAsync(platform.AmqpUri, settings.Rate * settings.PoisonShare, loading);
                injected = poison.ToError + poison.ToSkipped;
                break;
            case "rabbitmq-restart":
                await Task.Delay(TimeSpan.FromSeconds(settings.FaultAtSeconds));
                await platform.RestartAsync("rabbitmq");
                break;
            case "outbox-republish":
                injected = await OutboxRepublisher.RunAsync(platform.DataDirectory, loading);
                break;
            case "replicas":
                await Task.Delay(TimeSpan.FromSeconds(settings.FaultAtSeconds));
                await platform.StartReplicaAsync("assignment");
                try
                {
                    await platform.StartReplicaAsync("messaging");
                    await loading;
                }
                finally
                {
                    await platform.StopReplicaAsync("messaging");
                    await platform.StopReplicaAsync("assignment");
                }

                break;
            default:
                var (process, outage) = scenario switch
                {
                    "contacts-down" => ("contacts", settings.LongOutage),
                    "rabbitmq-kill" => ("rabbitmq", settings.LongOutage),
                    _ => (scenario["kill-".Length..], settings.Outage),
                };
                await Task.Delay(TimeSpan.FromSeconds(settings.FaultAtSeconds));
                if (CrashPointOf(scenario) is { } point)
                {
                    // The service kills itself at that point of its own code; the kill below only tidies up (or, had
                    // it not got there within the time, kills it from outside: reported, and a failure).
                    await platform.CrashAtAsync(process, point.Name, point.After);
                    crash = await platform.WaitForExitAsync(process, TimeSpan.FromSeconds(30)) ? point.Name : "not reached";
                }

                await platform.KillAsync(process);
                await Task.Delay(TimeSpan.FromSeconds(outage));
                await platform.StartAsync(process);
                break;
        }

        var faultEnded = Stopwatch.StartNew();
        var faultEndedAt = loadStarted.Elapsed;
        await loading;

        // Recovery: every acknowledged lead assigned, welcomed and counted, or the limit.
        var leads = load.Acknowledged.ToArray();
        var emails = leads.Select(l => l.Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unassigned = leads.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, Welcomes> welcomes = [];
        var recovered = false;
        while (faultEnded.Elapsed < settings.RecoveryLimit)
        {
            // Analytics' totals first (one request): only once they say every lead was captured, assigned and welcomed
            // is each lead and e-mail checked, so the checker does not load the platform it waits for.
            if ((await CountsAsync(http) - countsBefore).All(leads.Length))
            {
                unassigned = await UnassignedAsync(http, unassigned);
                welcomes = CountWelcomes(platform.MailFolder, startedAt, run);
                if (unassigned.Count == 0 && emails.All(welcomes.ContainsKey)
                    && (injected == 0 || scenario != "poison" || (await DeadLettersAsync(platform) - deadLettersBefore).Covers(poison)))
                {
                    recovered = true;
                    break;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        if (!recovered)
        {
            unassigned = await UnassignedAsync(http, unassigned);
        }

        var recovery = faultEnded.Elapsed;
        var done = loadStarted.Elapsed;
        await stopSampling.CancelAsync();
        var backlog = await sampling;

        // Not a synchronisation: duplicates have no event to wait for; this is the window they get to show.
        await Task.Delay(settings.Settle);
        welcomes = CountWelcomes(platform.MailFolder, startedAt, run);
        var counted = await CountsAsync(http) - countsBefore;
        var assigned = await OpenLeadsAsync(http) - openLeadsBefore;
        var deadLetters = await DeadLettersAsync(platform) - deadLettersBefore;
        return new FaultResult(
            scenario,
            leads.Length,
            injected,
            load.RefusedAnswers,
            load.NeverAcknowledged,
            unassigned.Count,
            Math.Max(0, assigned - leads.Length),
            emails.Count(e => !welcomes.ContainsKey(e)),
            welcomes.Count(w => w.Value.Messages.Count > 1),
            welcomes.Sum(w => w.Value.Deliveries - w.Value.Messages.Count),
            counted.Excess(leads.Length),
            Math.Max(0, deadLetters.Errors - poison.ToError),
            Math.Max(0, deadLetters.Skipped - poison.ToSkipped),
            Math.Max(0, poison.ToError - deadLetters.Errors) + Math.Max(0, poison.ToSkipped - deadLetters.Skipped),
            recovered ? recovery : null,
            recovered ? leads.Length / done.TotalSeconds : null,
            baseline)
        {
            Drained = recovered ? Drained(backlog, faultEndedAt, settings.Rate) ?? recovery : null,
            Outage = scenario switch
            {
                "contacts-down" or "rabbitmq-kill" => settings.LongOutage,
                _ when scenario.StartsWith("kill-", StringComparison.Ordinal) => settings.Outage,
                _ => null,
            },
            MaxBacklog = backlog.Count == 0 ? 0 : backlog.Max(b => b.Backlog),
            Crash = crash,
            Timeline = $"fault ended at {faultEndedAt.TotalSeconds:0.0} s; backlog (s: leads) "
                + string.Join(", ", backlog.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.At.TotalSeconds:0}: {b.Backlog}"))),
        };
    }

    /// <summary>
    /// Where a <c>kill-*</c> scenario's service kills itself (SIGKILL from inside, <c>CrashPoints</c> in
    /// ServiceDefaults), and on which pass: between a consumer's work and its commit (Contacts' timeline, Assignment's
    /// claim, Messaging's e-mail handed to the SMTP server, a batch of Analytics' events applied), or, in Leads, whose work is the
    /// captures, between the broker's confirm of a batch of its events and their deletion from the outbox.
    /// </summary>
    public static (string Name, int After)? CrashPointOf(string scenario) => scenario switch
    {
        "kill-leads" => ("outbox-after-publish", 5),
        "kill-contacts" or "kill-assignment" or "kill-messaging" or "kill-analytics" => ("consume-before-commit", 20),
        _ => null,
    };

    /// <summary>
    /// The backlog once a second while the scenario runs: captures sent so far (acknowledged or still being retried)
    /// minus leads welcomed and counted (Analytics' messages-sent total since the run began; a lead is counted there
    /// only once assigned and welcomed).
    /// </summary>
    private static async Task<List<(TimeSpan At, int Backlog)>> SampleBacklogAsync(HttpClient http, Load load, Counts before, Stopwatch clock, CancellationToken stop)
    {
        var samples = new List<(TimeSpan, int)>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var sent = Volatile.Read(ref load.Sent);
                var done = (await CountsAsync(http, stop) - before).Messaged;
                samples.Add((clock.Elapsed, Math.Max(0, sent - done)));
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (HttpRequestException)
            {
                // Analytics or the gateway is down in this scenario: no sample now.
            }
        }

        return samples;
    }

    /// <summary>
    /// When the backlog was drained for good: the time from the end of the fault to the first sample after the last one
    /// (after the fault) with more than two seconds of captures waiting (the steady state); zero when none after the
    /// fault was that high, null when no sample after the last high one was low again.
    /// </summary>
    public static TimeSpan? Drained(IReadOnlyList<(TimeSpan At, int Backlog)> samples, TimeSpan faultEndedAt, int rate)
    {
        var threshold = Math.Max(10, 2 * rate);
        var after = samples.Where(s => s.At >= faultEndedAt).ToList();
        var lastHigh = after.FindLastIndex(s => s.Backlog > threshold);
        return lastHigh < 0 ? TimeSpan.Zero
            : lastHigh + 1 < after.Count ? after[lastHigh + 1].At - faultEndedAt
            : null;
    }

    /// <summary>
    /// Messages dead-lettered so far: those the services keep in their stores (<c>GET
    /// /api/{service}/admin/dead-letters</c>, <c>faulted</c> or <c>skipped</c>: a type no consumer of the queue knows),
    /// plus any in the broker's <c>_error</c> / <c>_skipped</c> queues (where one goes only when its store failed). The
    /// one place the suite counts dead letters.
    /// </summary>
    public static async Task<DeadLetters> DeadLettersAsync(IFaultPlatform platform)
    {
        using var http = new HttpClient { BaseAddress = platform.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", platform.ApiKey);
        long faulted = 0, skipped = 0;
        foreach (var service in new[] { "contacts", "leads", "assignment", "messaging", "analytics" })
        {
            string? cursor = null;
            do
            {
                using var page = JsonDocument.Parse(await GetWithRetriesAsync(http, $"/api/{service}/admin/dead-letters?limit=500{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"));
                foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
                {
                    if (item.GetProperty("reason").GetString() == "skipped")
                    {
                        skipped++;
                    }
                    else
                    {
                        faulted++;
                    }
                }

                cursor = page.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (cursor is not null);
        }

        var (errors, skippedInBroker) = await BrokerDeadLettersAsync(platform);
        return new DeadLetters(faulted + errors, skipped + skippedInBroker);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, IReadOnlyList<string>> ConsumerQueues = new();

    /// <summary>
    /// Messages in the broker's <c>_error</c> and <c>_skipped</c> queues of every consumer queue, read with passive
    /// declares over AMQP (a missing queue holds none). The consumer queues are listed once per platform with
    /// <c>rabbitmqctl</c>, whose start is too slow to run twice per scenario.
    /// </summary>
    private static async Task<(long Errors, long Skipped)> BrokerDeadLettersAsync(IFaultPlatform platform)
    {
        if (!ConsumerQueues.TryGetValue(platform.AmqpUri, out var queues))
        {
            var output = await platform.RabbitMqCtlAsync("-q", "list_queues", "--no-table-headers", "name");
            queues = [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(q => !q.EndsWith("_error", StringComparison.Ordinal) && !q.EndsWith("_skipped", StringComparison.Ordinal))];
            ConsumerQueues[platform.AmqpUri] = queues;
        }

        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = platform.AmqpUri, ClientProvidedName = "crm-fault-suite-checker" };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                long errors = 0, skipped = 0;
                foreach (var queue in queues)
                {
                    errors += await MessagesAsync(connection, queue + "_error");
                    skipped += await MessagesAsync(connection, queue + "_skipped");
                }

                return (errors, skipped);
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (attempt < 30)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static async Task<long> MessagesAsync(RabbitMQ.Client.IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    private static async Task<string> GetWithRetriesAsync(HttpClient http, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(new Uri(path, UriKind.Relative));
            }
            catch (HttpRequestException) when (attempt < 30)
            {
                await Task.Delay(1000);
            }
        }
    }

    /// <summary>Dead letters that faulted (store or <c>_error</c>) and that no consumer took (store or <c>_skipped</c>).</summary>
    public readonly record struct DeadLetters(long Errors, long Skipped)
    {
        public static DeadLetters operator -(DeadLetters a, DeadLetters b) => new(a.Errors - b.Errors, a.Skipped - b.Skipped);

        public bool Covers((int ToError, int ToSkipped) poison) => Errors >= poison.ToError && Skipped >= poison.ToSkipped;
    }

    private static async Task OpenLoopAsync(HttpClient http, string run, FaultSettings settings, Load load)
    {
        var rate = settings.Rate;
        var total = rate * settings.Seconds;
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(total);
        for (var i = 1; i <= total; i++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(Stopwatch.Frequency * (i - 1) / (double)rate));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            Interlocked.Increment(ref load.Sent);
            inFlight.Add(CaptureAsync(http, run, i, settings.MaxRetryDelay, load));
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>One capture as a careful integrator sends it: retried with the same Idempotency-Key for up to 2 minutes.</summary>
    private static async Task CaptureAsync(HttpClient http, string run, int n, TimeSpan maxRetryDelay, Load load)
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
                if (response.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Accepted)
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

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(maxRetryDelay.TotalSeconds, 1 << Math.Min(attempt, 4))));
        }

        Interlocked.Increment(ref load.NeverAcknowledged);
    }

    private static async Task<HashSet<string>> UnassignedAsync(HttpClient http, HashSet<string> ids)
    {
        var still = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"/api/leads/{id}", UriKind.Relative), ct);
                using var lead = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                if (!response.IsSuccessStatusCode || lead.RootElement.GetProperty("ownerId").ValueKind != JsonValueKind.String)
                {
                    still.Add(id);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                still.Add(id);
            }
        });
        return [.. still];
    }

    /// <summary>Welcome e-mails of this run in the mail folder (files written since it started), by address.</summary>
    private static Dictionary<string, Welcomes> CountWelcomes(string folder, DateTime since, string run)
    {
        var counts = new Dictionary<string, Welcomes>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(folder))
        {
            return counts;
        }

        foreach (var file in new DirectoryInfo(folder).EnumerateFiles().Where(f => f.LastWriteTimeUtc >= since))
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

            if (MailAddress.To(text) is { } to && to.Contains(run, StringComparison.Ordinal))
            {
                if (!counts.TryGetValue(to, out var welcomes))
                {
                    counts[to] = welcomes = new Welcomes();
                }

                welcomes.Deliveries++;
                welcomes.Messages.Add(MailAddress.MessageId(text) ?? file.Name);
            }
        }

        return counts;
    }

    private static async Task<Counts> CountsAsync(HttpClient http, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/analytics/summary", UriKind.Relative), cancellationToken));
                var totals = document.RootElement.GetProperty("totals");
                return new Counts(totals.GetProperty("leadsCaptured").GetInt32(), totals.GetProperty("leadsAssigned").GetInt32(), totals.GetProperty("messagesSent").GetInt32());
            }
            catch (HttpRequestException) when (attempt < 60)
            {
                await Task.Delay(1000, cancellationToken);
            }
        }
    }

    /// <summary>Every rep's open leads, summed: a lead assigned twice counts twice.</summary>
    private static async Task<int> OpenLeadsAsync(HttpClient http)
    {
        var total = 0;
        foreach (var rep in await RepsAsync(http))
        {
            total += rep.OpenLeads;
        }

        return total;
    }

    private static async Task<List<(bool Active, int Capacity, int OpenLeads)>> RepsAsync(HttpClient http)
    {
        var reps = new List<(bool, int, int)>();
        string? cursor = null;
        do
        {
            var url = "/api/assignment/reps?limit=500" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var page = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, UriKind.Relative)));
            foreach (var rep in page.RootElement.GetProperty("items").EnumerateArray())
            {
                reps.Add((rep.GetProperty("active").GetBoolean(), rep.GetProperty("capacity").GetInt32(), rep.GetProperty("openLeads").GetInt32()));
            }

            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return reps;
    }

    /// <summary>Active reps with room for <paramref name="leads"/> more (new reps of the largest capacity when not), so no lead waits in the backlog.</summary>
    private static async Task EnsureCapacityAsync(HttpClient http, int leads)
    {
        const int capacity = 10_000;
        var free = (await RepsAsync(http)).Where(r => r.Active).Sum(r => Math.Max(0, r.Capacity - r.OpenLeads));
        for (var i = 0; free < leads; i++, free += capacity)
        {
            using var created = await http.PostAsync(
                new Uri("/api/assignment/reps", UriKind.Relative),
                new StringContent($$"""{"name":"Fault Rep {{i}}","capacity":{{capacity}}}""", Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
        }
    }

    /// <summary>One address' welcome e-mails: distinct messages (by Message-Id) and deliveries (files).</summary>
    private sealed class Welcomes
    {
        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public int Deliveries { get; set; }
    }

    private sealed class Load
    {
        public System.Collections.Concurrent.ConcurrentBag<(string Id, string Email)> Acknowledged { get; } = [];

        public long RefusedAnswers;

        /// <summary>Captures sent so far (each once, however often it is retried).</summary>
        public int Sent;

        public long NeverAcknowledged;
    }

    private readonly record struct Counts(int Captured, int Assigned, int Messaged)
    {
        public static Counts operator -(Counts a, Counts b) => new(a.Captured - b.Captured, a.Assigned - b.Assigned, a.Messaged - b.Messaged);

        public bool All(int n) => Captured >= n && Assigned >= n && Messaged >= n;

        /// <summary>Counts beyond <paramref name="n"/> (one per lead captured, assigned and welcomed), summed.</summary>
        public int Excess(int n) => Math.Max(0, Captured - n) + Math.Max(0, Assigned - n) + Math.Max(0, Messaged - n);
    }
}

/// <summary>
/// One scenario's outcome; <see cref="Clean"/> when nothing was lost, duplicated or left dead-lettered.
/// <see cref="EmailsTwice"/>: addresses that got two different welcome messages (two Message-Ids: sent twice by the
/// platform's logic). <see cref="EmailsRedelivered"/>: extra deliveries of the same message (same Message-Id): Messaging
/// sends at least once, and a crash after the SMTP server took an e-mail and before its completion was committed sends
/// it again once the claim's lease ends (services/Crm.Messaging/Messages/SendOnce.cs). Reported, not part of
/// <see cref="Clean"/>; a pickup folder cannot show it (the second file replaces the first, both named by the id).
/// <see cref="DeadLetters"/>: messages added to <c>_error</c> queues (beyond the poison meant for them).
/// <see cref="Skipped"/>: dead letters no consumer took (beyond the poison of an unknown type). Before the inbox
/// acknowledged the duplicates it drops as consumed, MassTransit moved every one (an outbox record published again
/// after a crash between confirm and delete) to a <c>_skipped</c> queue: this count found it, and must stay 0.
/// </summary>
public sealed record FaultResult(
    string Scenario,
    int Acknowledged,
    long Injected,
    long Refused,
    long NeverAcknowledged,
    int Lost,
    int AssignedTwice,
    int EmailsMissing,
    int EmailsTwice,
    int EmailsRedelivered,
    int CountedTwice,
    long DeadLetters,
    long Skipped,
    long PoisonNotDeadLettered,
    TimeSpan? Recovery,
    double? Throughput,
    FaultResult? Baseline)
{
    /// <summary>How long the fault kept its process down (seconds; null when it is no outage).</summary>
    public int? Outage { get; init; }

    /// <summary>The most captures waiting at once (sent, not yet welcomed and counted), sampled once a second.</summary>
    public int MaxBacklog { get; init; }

    /// <summary>The crash point a <c>kill-*</c> scenario's service reached (<c>not reached</c> when it was killed from outside instead); null in the others.</summary>
    public string? Crash { get; init; }

    /// <summary>The backlog once a second, as text (to see how a scenario recovered).</summary>
    public string Timeline { get; init; } = string.Empty;

    /// <summary>From the end of the fault until the backlog was back to at most two seconds of captures (the goal: within 2× the outage).</summary>
    public TimeSpan? Drained { get; init; }

    public bool Clean => Baseline is not { Clean: false } && Crash != "not reached" && NeverAcknowledged == 0 && Lost == 0 && AssignedTwice == 0 && EmailsMissing == 0 && EmailsTwice == 0 && CountedTwice == 0 && DeadLetters == 0 && Skipped == 0 && PoisonNotDeadLettered == 0 && Recovery is not null;

    /// <summary>
    /// Where the scenario misses the issue's goal beyond <see cref="Clean"/> (empty when it meets it): no capture refused
    /// while a dependency (Contacts, RabbitMQ) is down — Leads itself being killed may refuse, the careful integrator
    /// retries —, the backlog drained within 2× the outage, and healthy throughput during poison ≥ 0.9 of the steady run.
    /// </summary>
    public IReadOnlyList<string> GoalMisses()
    {
        var misses = new List<string>();
        if (Refused > 0 && Scenario is "contacts-down" or "rabbitmq-kill" or "rabbitmq-restart" or "kill-contacts")
        {
            misses.Add($"{Refused} captures refused while a dependency was down (goal 0)");
        }

        if (Outage is { } outage && Drained is { } drained && drained.TotalSeconds > 2 * outage)
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"backlog drained in {drained.TotalSeconds:0.0} s = {drained.TotalSeconds / outage:0.0}× the {outage} s outage (goal ≤ 2×)"));
        }

        if (Outage is not null && Drained is null && Recovery is not null)
        {
            misses.Add("the backlog was never back to two seconds of captures");
        }

        if (ThroughputRatio is { } ratio && ratio < 0.9)
        {
            misses.Add(string.Create(CultureInfo.InvariantCulture, $"healthy throughput {ratio:0.00} of the steady run (goal ≥ 0.9)"));
        }

        return misses;
    }

    /// <summary>Healthy throughput against the steady run just before (<c>poison</c> only; the goal is ≥ 0.9).</summary>
    public double? ThroughputRatio => Throughput / Baseline?.Throughput;

    /// <summary>The table row (after the steady baseline's row when there is one).</summary>
    public string Row() => (Baseline is null ? string.Empty : Baseline.Row() + "\n") + string.Create(
        CultureInfo.InvariantCulture,
        $"| {Scenario} | {Crash ?? "–"} | {Acknowledged} | {Injected} | {Refused} | {NeverAcknowledged} | {Lost} | {AssignedTwice} | {EmailsMissing} | {EmailsTwice} | {EmailsRedelivered} | {CountedTwice} | {DeadLetters} | {Skipped} | {PoisonNotDeadLettered} | {(Outage is { } o ? $"{o} s" : "–")} | {MaxBacklog} | {(Drained is { } d ? $"{d.TotalSeconds:0.0} s" : "–")}{(Outage is { } x && Drained is { } y ? $" ({y.TotalSeconds / x:0.0}×)" : string.Empty)} | {(Recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "NOT RECOVERED")} | {(Throughput is { } t ? $"{t:0.0}" : "–")}{(ThroughputRatio is { } q ? $" ({q:0.00} of steady)" : string.Empty)} |");
}
