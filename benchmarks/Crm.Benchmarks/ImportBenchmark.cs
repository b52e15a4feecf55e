using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Crm.Contacts.Contacts;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;

namespace Crm.Benchmarks;

/// <summary>
/// <c>import --rows 1000000 [--duplicates 10] [--seed 7]</c>: a generated CSV with about 10 % duplicate persons written in
/// other spellings (e-mail case, phone formats +49 30 … / 030 … / 0049 30 … / +49 (0)30-…, name spacing; a third of the
/// duplicates without their e-mail, so only the phone recognises them) uploaded to a real Contacts process (SQLite, a
/// private RabbitMQ node, its outbox publishing for real), polled to the end. Prints rows/s, the Contacts process's peak
/// memory (VmHWM) at 100k rows and at the end, the outbox drain, and the dedup's pairwise precision and recall against
/// the generator's truth (read back from the store's <c>contact_identities</c>).
/// </summary>
public static class ImportBenchmark
{
    private static readonly string[] First = ["Anna", "Ben", "Carla", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas", "Klara", "Lukas", "Mia", "Noah", "Olga", "Paul"];
    private static readonly string[] Last = ["Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter"];

    public static async Task<int> RunAsync(Arguments args)
    {
        var rows = args.Number("rows", 1_000_000);
        var duplicatePercent = args.Number("duplicates", 10);
        var random = new Random(args.Number("seed", 7));
        using var work = new TempDirectory("crm-bench-import");
        var csv = Path.Combine(work.Path, "contacts.csv");

        // The generator: person of each row (the truth) and the key that finds the row's contact afterwards.
        var person = new int[rows];
        var lookup = new string?[rows];
        var persons = 0;
        var watch = Stopwatch.StartNew();
        await using (var writer = new StreamWriter(csv, false, new UTF8Encoding(false), 1 << 20))
        {
            await writer.WriteAsync("name,email,phone,country\n");
            for (var row = 0; row < rows; row++)
            {
                var duplicate = persons > 0 && random.Next(100) < duplicatePercent;
                var p = duplicate ? random.Next(persons) : persons++;
                person[row] = p;
                var (name, email, subscriber) = Person(p);
                var withEmail = !duplicate || random.Next(3) > 0;
                var withPhone = !duplicate || !withEmail || random.Next(2) == 0;
                if (duplicate)
                {
                    name = name.Replace(" ", "  ", StringComparison.Ordinal).ToUpperInvariant();
                    email = random.Next(2) == 0 ? email.ToUpperInvariant() : char.ToUpperInvariant(email[0]) + email[1..];
                }

                var phone = (random.Next(4)) switch
                {
                    0 => $"+49 30 {subscriber}",
                    1 => $"030 {subscriber}",
                    2 => $"0049 30 {subscriber}",
                    _ => $"+49 (0)30-{subscriber[..3]} {subscriber[3..]}",
                };
                await writer.WriteAsync($"{name},{(withEmail ? email : string.Empty)},{(withPhone ? phone : string.Empty)},DE\n");
                lookup[row] = withEmail ? $"email:{Person(p).Email}" : $"phone:+4930{subscriber}";
            }
        }

        var bytes = new FileInfo(csv).Length;
        Console.WriteLine($"generated {rows:N0} rows ({persons:N0} persons, {rows - persons:N0} duplicate rows), {bytes / 1e6:F1} MB in {watch.Elapsed.TotalSeconds:F1} s");

        await using var rabbit = await RabbitMqNode.StartAsync();
        var (http, grpc, management) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var data = Path.Combine(work.Path, "data");
        var bin = Path.Combine(RepositoryRoot, "services", "Crm.Contacts", "bin", "Release", "net10.0");
        await using var contacts = ProcessHost.Start("contacts", "dotnet", [Path.Combine(bin, "Crm.Contacts.dll")], new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
            ["Ports__Bind"] = "127.0.0.1",
            ["Ports__Http"] = http.ToString(CultureInfo.InvariantCulture),
            ["Ports__Grpc"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Ports__Management"] = management.ToString(CultureInfo.InvariantCulture),
            ["Storage__Provider"] = "sqlite",
            ["Storage__DataDirectory"] = data,
            ["RabbitMq__Uri"] = rabbit.AmqpUri,
            ["Identity__PublicKeyPem"] = TestIdentity.PublicKeyPem,
            ["Logging__LogLevel__Default"] = "Warning",
            // --outbox 0: events stay in the outbox (to see the import's own cost apart from publishing).
            ["Outbox__Enabled"] = args.Number("outbox", 1) == 1 ? "true" : "false",
        }, workingDirectory: bin);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromMinutes(30) }.As(TestIdentity.Admin);
        using var health = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}") };
        await Poll.UntilAsync(async () => (await health.GetAsync("/health/ready")).IsSuccessStatusCode, "Contacts to be ready", TimeSpan.FromSeconds(60));
        Console.WriteLine($"Contacts pid {contacts.Pid} ready, VmHWM {HighWaterMark(contacts.Pid)} MB");

        var ticks = ProcessCpu.Ticks(contacts.Pid);
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        watch.Restart();
        await using var file = File.OpenRead(csv);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var accepted = await client.PostAsync("/api/contacts/imports", content);
        var uploaded = watch.Elapsed;
        if (!accepted.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"upload failed: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
            return 1;
        }

        var location = accepted.Headers.Location!.ToString();
        Console.WriteLine($"uploaded in {uploaded.TotalSeconds:F1} s ({bytes / 1e6 / uploaded.TotalSeconds:F0} MB/s), VmHWM {HighWaterMark(contacts.Pid)} MB");
        ImportJobResponse job;
        string? at100k = null;
        while (true)
        {
            job = (await client.GetFromJsonAsync<ImportJobResponse>(location, Crm.Client.CrmClient.JsonOptions))!;
            if (at100k is null && job.RowsRead >= 100_000)
            {
                at100k = $"{HighWaterMark(contacts.Pid)} MB at {job.RowsRead:N0} rows";
                Console.WriteLine($"VmHWM {at100k}");
            }

            if (job.Status is "completed" or "failed")
            {
                break;
            }

            Console.Error.Write($"\r{job.Progress:P0} {job.RowsRead:N0} rows, {job.RowsRead / watch.Elapsed.TotalSeconds:N0} rows/s   ");
            await Task.Delay(1000);
        }

        var total = watch.Elapsed;
        var cpu = (ProcessCpu.Ticks(contacts.Pid) - ticks) / ProcessCpu.TicksPerSecond;
        var processing = (job.FinishedAt!.Value - job.StartedAt!.Value).TotalSeconds;
        var peak = HighWaterMark(contacts.Pid);
        Console.Error.WriteLine();
        Console.WriteLine($"{job.Status}: {job.RowsRead:N0} rows, created {job.Created:N0}, updated {job.Updated:N0}, merged {job.Merged:N0}, rejected {job.Rejected:N0}");
        Console.WriteLine($"rows/s: {rows / total.TotalSeconds:N0} end to end (upload {uploaded.TotalSeconds:F1} s + processing {processing:F1} s = {total.TotalSeconds:F1} s); {rows / processing:N0} processing alone");
        Console.WriteLine($"Contacts VmHWM: {at100k ?? "n/a"}; {peak} MB at {job.RowsRead:N0} rows");
        Console.WriteLine($"Contacts CPU: {cpu:F1} s for upload and processing = {rows / cpu:N0} rows per CPU-second ({Environment.ProcessorCount} cores; load average {load} at the start, {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end)");

        await using var store = new SqliteDocumentStore(Path.Combine(data, "contacts.db"));
        var drain = Stopwatch.StartNew();
        var pending = await store.CountAsync(PlatformCollections.Outbox, Filter<OutboxRecord>.All);
        Console.WriteLine($"outbox at the end: {pending:N0} events pending");
        while (pending > 0 && args.Number("outbox", 1) == 1 && drain.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(1000);
            pending = await store.CountAsync(PlatformCollections.Outbox, Filter<OutboxRecord>.All);
        }

        Console.WriteLine($"outbox drained {(pending == 0 ? "in" : "NOT within")} {drain.Elapsed.TotalSeconds:F1} s after the import ({pending:N0} left)");

        // Pairwise precision / recall: the pairs of rows the import put in one contact against the pairs of rows of one person.
        var contactOf = new string?[rows];
        for (var start = 0; start < rows; start += 5000)
        {
            var slice = lookup.AsSpan(start, Math.Min(5000, rows - start)).ToArray();
            var owners = (await store.GetManyAsync(ContactCollections.Identities, slice!)).ToDictionary(o => o.Id, o => o.ContactId, StringComparer.Ordinal);
            for (var i = 0; i < slice.Length; i++)
            {
                contactOf[start + i] = owners.GetValueOrDefault(slice[i]!);
            }
        }

        static long Pairs(IEnumerable<int> groupSizes) => groupSizes.Sum(n => (long)n * (n - 1) / 2);
        var predicted = Pairs(contactOf.Where(c => c is not null).GroupBy(c => c!, StringComparer.Ordinal).Select(g => g.Count()));
        var truth = Pairs(person.GroupBy(p => p).Select(g => g.Count()));
        var both = Pairs(Enumerable.Range(0, rows).Where(r => contactOf[r] is not null).GroupBy(r => (contactOf[r]!, person[r])).Select(g => g.Count()));
        Console.WriteLine($"dedup: precision {(predicted == 0 ? 1 : (double)both / predicted):F4}, recall {(truth == 0 ? 1 : (double)both / truth):F4} ({both:N0} of {predicted:N0} pairs put together are one person; {truth:N0} true pairs); rows without a contact: {contactOf.Count(c => c is null):N0}");
        return job.Status == "completed" ? 0 : 1;
    }

    private static (string Name, string Email, string Subscriber) Person(int p)
    {
        var first = First[p % First.Length];
        var last = Last[(p / First.Length) % Last.Length];
        return ($"{first} {last}", $"{first.ToLowerInvariant()}.{p}@example.com", (10_000_000 + p).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The process's peak resident memory (VmHWM) in MB.</summary>
    private static long HighWaterMark(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
        }
    }
}
