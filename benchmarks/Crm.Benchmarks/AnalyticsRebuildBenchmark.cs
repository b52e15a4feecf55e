using System.Diagnostics;
using System.Globalization;
using Crm.Analytics.EventLog;
using Crm.Analytics.Rebuild;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;

namespace Crm.Benchmarks;

/// <summary>
/// Analytics' rebuild from its event log (issue 13: "a projection absorbs ≥ 10,000 events/s when rebuilding from
/// scratch"), no platform needed: a fresh SQLite file gets a generated log of about <c>--events</c> events (leads
/// captured, scored, assigned, activities, stage moves, won or lost, orders of the won, messages sent and delivered or
/// failed; a few reassignments and SLA breaches), written as the live consumers would have logged them. Then the
/// baseline of the same run, reading the log in the rebuild's batches (and reading plus deserialising it), and the
/// rebuild itself (<see cref="ReadModelRebuild"/>, the code <c>dotnet Crm.Analytics.dll rebuild</c> runs) twice: cold
/// (first run of the process) and warm. Prints events/s, the read models' sizes and the process's peak working set.
/// </summary>
public static class AnalyticsRebuildBenchmark
{
    private static readonly string[] Channels = ["web", "ads", "whatsapp", "sms", "email", "phone"];
    private static readonly string[] Sources = ["landing", "partner", "fair", "newsletter", "referral"];
    private static readonly string?[] Campaigns = ["spring", "autumn", "black-friday", null];
    private static readonly string[] Stages = ["new", "contacted", "qualified", "proposal", "negotiation"];
    private static readonly string[] ActivityTypes = ["call", "email", "sms", "whatsapp", "note"];

    public static async Task<int> RunAsync(Arguments args)
    {
        var target = args.Number("events", 200_000);
        var batch = args.Number("batch", ReadModelRebuild.DefaultBatchSize);
        var seed = args.Number("seed", 7);
        using var directory = new TempDirectory("crm-bench-rebuild");
        var path = directory.Combine("analytics.db");
        await using var store = new SqliteDocumentStore(path);
        await store.InitializeAsync(ReadModelRebuild.Collections);

        var clock = Stopwatch.StartNew();
        var (logged, types) = await WriteLogAsync(store, target, seed);
        Console.WriteLine($"Log: {logged:N0} events written in {clock.Elapsed.TotalSeconds:N1} s ({Math.Round(new FileInfo(path).Length / 1048576.0):N0} MB on disk)");
        Console.WriteLine("  " + string.Join(", ", types.OrderByDescending(t => t.Value).Select(t => $"{t.Key} {t.Value:N0}")));

        clock.Restart();
        var read = 0L;
        var deserialised = 0L;
        for (string? after = null; ;)
        {
            var entries = await store.FindAsync(EventLogQueries.After(after).Take(batch));
            if (entries.Count == 0)
            {
                break;
            }

            read += entries.Count;
            after = entries[^1].Sequence;
        }

        var readOnly = clock.Elapsed;
        clock.Restart();
        for (string? after = null; ;)
        {
            var entries = await store.FindAsync(EventLogQueries.After(after).Take(batch));
            if (entries.Count == 0)
            {
                break;
            }

            deserialised += entries.Count(e => EventLogEntries.Read(e) is not null);
            after = entries[^1].Sequence;
        }

        var readAndDeserialise = clock.Elapsed;
        Console.WriteLine($"Baseline, reading the log in batches of {batch:N0}: {read / readOnly.TotalSeconds:N0} events/s ({readOnly.TotalSeconds:N2} s); reading and deserialising: {deserialised / readAndDeserialise.TotalSeconds:N0} events/s ({readAndDeserialise.TotalSeconds:N2} s)");

        RebuildProgress? last = null;
        foreach (var run in new[] { "cold", "warm" })
        {
            var tick = Stopwatch.StartNew();
            last = await new ReadModelRebuild(store).RunAsync(batch, progress =>
            {
                if (tick.Elapsed >= TimeSpan.FromSeconds(2))
                {
                    Console.WriteLine($"  {progress}");
                    tick.Restart();
                }
            });
            Console.WriteLine($"Rebuild ({run}): {last.Events:N0} events in {last.Elapsed.TotalSeconds:N2} s = {last.EventsPerSecond:N0} events/s, {last.Writes:N0} document writes in {last.Batches:N0} commits");
        }

        Console.WriteLine("Read models: " + string.Join(", ", last!.Sizes.Select(s => $"{s.Key} {s.Value:N0}")));
        Console.WriteLine($"Peak working set: {PeakWorkingSetMb():N0} MB; goal >= 10,000 events/s: {(last.EventsPerSecond >= 10_000 ? "met" : "missed")}");
        return 0;
    }

    /// <summary>Writes a generated history as log entries (in arrival order), in commits of 5,000; returns the count and the count per type.</summary>
    private static async Task<(long Count, Dictionary<string, long> Types)> WriteLogAsync(IDocumentStore store, int target, int seed)
    {
        var random = new Random(seed);
        var types = new Dictionary<string, long>(StringComparer.Ordinal);
        var pending = new List<(DateTimeOffset At, object Event)>();
        var writes = new List<WriteOperation>();
        var count = 0L;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var lead = 0;
        while (count + pending.Count < target)
        {
            lead++;
            var leadId = $"lead-{lead}";
            var contactId = $"contact-{random.Next(Math.Max(1, target / 14))}";
            var at = start.AddSeconds(lead * 30 + random.Next(30));
            var channel = Channels[random.Next(Channels.Length)];
            var campaign = Campaigns[random.Next(Campaigns.Length)];
            var rep = $"rep-{random.Next(40)}";
            pending.Add((at, new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = leadId, ContactId = contactId, Source = Sources[random.Next(Sources.Length)], Channel = channel, Campaign = campaign, Name = "Generated Person", Email = $"p{lead}@example.com" }));
            pending.Add((at.AddSeconds(1), new LeadScored { EventId = Guid.NewGuid(), OccurredAt = at.AddSeconds(1), LeadId = leadId, ContactId = contactId, Score = random.Next(100), Grade = new[] { "cold", "warm", "hot" }[random.Next(3)], Reasons = [] }));
            pending.Add((at.AddMinutes(1), new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = at.AddMinutes(1), LeadId = leadId, ContactId = contactId, RepId = rep, RepName = rep, TeamId = $"team-{random.Next(5)}" }));
            if (random.Next(10) == 0)
            {
                var other = $"rep-{random.Next(40)}";
                pending.Add((at.AddHours(2), new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(2), LeadId = leadId, ContactId = contactId, RepId = other, RepName = other, PreviousRepId = rep }));
                rep = other;
            }

            for (var a = random.Next(1, 4); a > 0; a--)
            {
                var when = at.AddMinutes(random.Next(2, 3000));
                pending.Add((when, new LeadActivityLogged { EventId = Guid.NewGuid(), OccurredAt = when, LeadId = leadId, ContactId = contactId, ActivityId = Guid.NewGuid().ToString("N"), Type = ActivityTypes[random.Next(ActivityTypes.Length)], At = when, OwnerId = rep }));
            }

            var moves = random.Next(1, Stages.Length);
            var end = at;
            for (var m = 1; m <= moves; m++)
            {
                end = end.AddHours(random.Next(1, 48));
                pending.Add((end, new LeadStageChanged { EventId = Guid.NewGuid(), OccurredAt = end, LeadId = leadId, ContactId = contactId, PipelineId = "default", FromStage = Stages[m - 1], ToStage = Stages[m], OwnerId = rep }));
            }

            if (random.Next(10) == 0)
            {
                pending.Add((at.AddMinutes(30), new SlaBreached { EventId = Guid.NewGuid(), OccurredAt = at.AddMinutes(30), LeadId = leadId, ContactId = contactId, RepId = rep, Sla = "first-contact", StartedAt = at, Target = TimeSpan.FromMinutes(30) }));
            }

            var outcome = random.Next(10);
            end = end.AddHours(random.Next(1, 72));
            if (outcome < 3)
            {
                pending.Add((end, new LeadWon { EventId = Guid.NewGuid(), OccurredAt = end, LeadId = leadId, ContactId = contactId, PipelineId = "default", Stage = Stages[moves], Amount = $"{random.Next(50, 5000)}.00", Currency = "EUR", CapturedAt = at, Channel = channel, Campaign = campaign, OwnerId = rep }));
                for (var o = random.Next(1, 3); o > 0; o--)
                {
                    var placed = end.AddDays(random.Next(0, 90));
                    pending.Add((placed, new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = placed, OrderId = Guid.NewGuid().ToString("N"), ContactId = contactId, Reference = "R", Amount = $"{random.Next(10, 900)}.{random.Next(100):00}", Currency = "EUR", PlacedAt = placed }));
                }
            }
            else if (outcome < 6)
            {
                pending.Add((end, new LeadLost { EventId = Guid.NewGuid(), OccurredAt = end, LeadId = leadId, ContactId = contactId, PipelineId = "default", Stage = Stages[moves], Reason = "price", CapturedAt = at, Channel = channel }));
            }

            for (var s = random.Next(1, 3); s > 0; s--)
            {
                var messageId = Guid.NewGuid().ToString("N");
                var sent = at.AddMinutes(random.Next(1, 600));
                pending.Add((sent, new MessageSent { EventId = Guid.NewGuid(), OccurredAt = sent, MessageId = messageId, ContactId = contactId, LeadId = leadId, Channel = channel, Template = "welcome", To = $"p{lead}@example.com" }));
                if (random.Next(10) == 0)
                {
                    pending.Add((sent.AddSeconds(5), new MessageFailed { EventId = Guid.NewGuid(), OccurredAt = sent.AddSeconds(5), MessageId = messageId, ContactId = contactId, Channel = channel, Reason = "bounce", At = sent.AddSeconds(5) }));
                }
                else
                {
                    pending.Add((sent.AddSeconds(20), new MessageDelivered { EventId = Guid.NewGuid(), OccurredAt = sent.AddSeconds(20), MessageId = messageId, ContactId = contactId, Channel = channel, Status = "delivered", At = sent.AddSeconds(20) }));
                }
            }

            // Written in arrival order (roughly by time) once a few thousand wait; the rest at the end.
            if (pending.Count >= 5_000)
            {
                count += await FlushAsync(store, pending, writes, types);
            }
        }

        count += await FlushAsync(store, pending, writes, types);
        return (count, types);
    }

    private static async Task<int> FlushAsync(IDocumentStore store, List<(DateTimeOffset At, object Event)> pending, List<WriteOperation> writes, Dictionary<string, long> types)
    {
        foreach (var (at, message) in pending.OrderBy(p => p.At))
        {
            writes.Add(Write.Insert(EventLogCollections.Log, EventLogEntries.Create(message, Guid.CreateVersion7(), Ids.New(), at.AddMilliseconds(250))));
            var name = message.GetType().Name;
            types[name] = types.GetValueOrDefault(name) + 1;
        }

        var written = pending.Count;
        if (writes.Count > 0)
        {
            await store.CommitAsync(writes);
        }

        pending.Clear();
        writes.Clear();
        return written;
    }

    private static double PeakWorkingSetMb()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null
            ? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0
            : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
