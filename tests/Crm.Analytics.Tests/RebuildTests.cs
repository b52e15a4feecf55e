using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.Analytics.Rebuild;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// The rebuild: a generated month (<see cref="KpiHistory"/>, shuffled, with redeliveries and duplicates) consumed live,
/// then the read models rebuilt from the event log alone: every KPI answers the same, every document is the same, and
/// merges, un-merges and erasures land where they did live.
/// </summary>
public sealed class RebuildTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Every KPI, with several groupings and granularities, and the daily summary.</summary>
    private static readonly string[] Answers =
    [
        "kpis/conversion?from=2019-11-01&to=2019-11-30&granularity=week&groupBy=channel",
        "kpis/conversion?from=2019-11-01&to=2019-11-30&groupBy=campaign",
        "kpis/conversion?from=2019-11-01&to=2019-11-30&granularity=week&groupBy=segment",
        "kpis/sla?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=segment",
        "kpis/aov?from=2019-09-01&to=2019-11-30&granularity=month&groupBy=segment",
        "kpis/retention?from=2019-09-01&to=2019-11-30&granularity=month&days=30&groupBy=segment",
        "kpis/cycle-length?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=rep",
        "kpis/speed-to-lead?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=team",
        "kpis/funnel?from=2019-11-01&to=2019-11-30&granularity=month&mode=strict",
        "kpis/funnel?from=2019-11-01&to=2019-11-30&granularity=month&mode=any",
        "kpis/sla?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=rep",
        "kpis/rep-activity?from=2019-11-01&to=2019-11-30&granularity=week&groupBy=rep",
        "kpis/messages?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=channel",
        "kpis/service?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=rep",
        "kpis/cac?from=2019-11-01&to=2019-11-30&granularity=month&groupBy=channel",
        "kpis/ltv?from=2019-09-01&to=2019-11-30&granularity=month&groupBy=channel",
        "kpis/aov?from=2019-09-01&to=2019-11-30&granularity=month&currency=USD",
        "kpis/retention?from=2019-09-01&to=2019-11-30&granularity=month&days=30",
        "kpis/revenue-by-campaign?from=2019-09-01&to=2019-11-30&granularity=month&touch=last",
        "summary?from=2019-11-01&to=2019-11-30",
    ];

    [Fact]
    public async Task A_month_consumed_live_and_rebuilt_from_the_log_gives_every_kpi_and_document_again()
    {
        await using var factory = new AnalyticsApiFactory();
        using var client = factory.CreateClient();
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var response = await client.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), new SpendRequest { Channel = "web", Period = "2019-11", Amount = new Money { Amount = "1000.00", Currency = "EUR" } }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var history = KpiHistory.Generate(seed: 21);
        var plan = history.DeliveryPlan(seed: 5);
        foreach (var (publish, _, _) in plan)
        {
            await publish(factory.Harness.Bus);
        }

        // Consumed when the queue of every event (one per event type; the merges' and erasures' own) recorded its message in the inbox.
        var events = plan.DistinctBy(d => d.MessageId).ToList();
        var applications = events.Sum(d => QueuesOf(d.Type));
        await Poll.UntilAsync(async () => await store.CountAsync(PlatformCollections.Inbox, Filter<InboxRecord>.All) == applications, $"{applications} applications of {events.Count} events", Timeout);

        // The log holds each event once, however many read models it moved and however often it was delivered.
        Assert.Equal(events.Count, await store.CountAsync(EventLogCollections.Log, Filter<LoggedEvent>.All));
        Assert.True(plan.Count > events.Count);

        var liveAnswers = await AnswersAsync(client);
        var liveDocuments = await DocumentsAsync(store);
        Assert.Contains("\"leads\":", liveAnswers[0], StringComparison.Ordinal);

        var progress = new List<RebuildProgress>();
        var result = await new ReadModelRebuild(store).RunAsync(batchSize: 100, progress.Add);

        Assert.Equal(events.Count, result.Events);
        Assert.Equal((0L, 0L), (result.Skipped, result.Invalid));
        Assert.Equal((events.Count + 99) / 100, progress.Count);
        Assert.Equal(liveDocuments, await DocumentsAsync(store));
        Assert.Equal(liveAnswers, await AnswersAsync(client));
    }

    [Fact]
    public async Task Merges_unmerges_and_erasures_rebuild_as_they_were_applied_live()
    {
        await using var factory = new AnalyticsApiFactory();
        using var client = factory.CreateClient();
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var at = new DateTimeOffset(2019, 10, 1, 9, 0, 0, TimeSpan.Zero);
        string a = "contact-a", b = "contact-b", c = "contact-c", d = "contact-d";

        // Leads, orders and a segment each of four contacts; then B merged into A, an order and a segment leave for B
        // afterwards (to A, marked); D merged into C and un-merged; C erased (its document moves to the anonymous id) and
        // B erased (a tombstone: deleted).
        var steps = new List<object>();
        foreach (var (contact, n) in new[] { (a, 1), (b, 2), (c, 3), (d, 4) })
        {
            steps.Add(new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(n), LeadId = $"lead-{contact}", ContactId = contact, Source = "fair", Channel = "web", Campaign = $"camp-{n}", Name = "Someone" });
            steps.Add(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(n), OrderId = $"order-{contact}", ContactId = contact, Reference = "R", Amount = $"{n}0.00", Currency = "EUR", PlacedAt = at.AddDays(n) });
            steps.Add(Membership(contact, $"seg-{n}", joined: true, at.AddDays(n)));
        }

        steps.Add(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(10), SurvivorId = a, MergedIds = [b], MergeId = "merge-ab" });
        steps.Add(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(11), OrderId = "order-b-late", ContactId = b, Reference = "R", Amount = "5.00", Currency = "EUR", PlacedAt = at.AddDays(11) });
        steps.Add(Membership(b, "seg-2", joined: false, at.AddDays(11)));
        steps.Add(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(12), SurvivorId = c, MergedIds = [d], MergeId = "merge-cd" });
        steps.Add(new OrderPlaced { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(13), OrderId = "order-d-late", ContactId = d, Reference = "R", Amount = "7.00", Currency = "EUR", PlacedAt = at.AddDays(13) });
        steps.Add(Membership(d, "seg-late", joined: true, at.AddDays(13)));
        steps.Add(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(14), SurvivorId = c, RestoredIds = [d], MergeId = "merge-cd" });
        steps.Add(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(15), ContactId = c, RequestId = "req-c" });
        steps.Add(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = at.AddDays(16), ContactId = b, RequestId = "req-b" });

        // One at a time, each applied before the next (a merge's effect depends on what arrived before it).
        var expected = 0L;
        foreach (var step in steps)
        {
            expected += QueuesOf(step.GetType());
            await factory.Harness.Bus.Publish(step, step.GetType());
            await Poll.UntilAsync(async () => await store.CountAsync(PlatformCollections.Inbox, Filter<InboxRecord>.All) == expected, $"{step.GetType().Name} applied", Timeout);
        }

        var live = await DocumentsAsync(store);
        var customers = (await store.FindAsync(CustomerCollections.Customers.Find(Filter<Customer>.All))).ToDictionary(x => x.Id);
        Assert.Equal(["order-contact-a", "order-contact-b", "order-b-late"], customers[a].Orders.Select(o => o.OrderId));
        Assert.Equal(["order-contact-c"], customers[ContactRecords.AnonymousIdFor("req-c")].Orders.Select(o => o.OrderId));
        Assert.Equal(["order-contact-d", "order-d-late"], customers[d].Orders.Select(o => o.OrderId));
        Assert.False(customers.ContainsKey(b) || customers.ContainsKey(c));
        // B's entries in its survivor's document no longer name B: they came from the anonymous id.
        Assert.Equal([null, "erased-req-b", "erased-req-b"], customers[a].Orders.Select(o => o.MergedFrom));
        // The segment marks went the same ways: B's (left after the merge) with A under the anonymous id, D's (one of them
        // arrived through the merge) back with D, C's under the anonymous id.
        Assert.Equal([("seg-1", true, (string?)null), ("seg-2", false, "erased-req-b")], customers[a].Segments.Select(m => (m.SegmentId, m.Joined, m.MergedFrom)));
        Assert.Equal([("seg-4", true, (string?)null), ("seg-late", true, null)], customers[d].Segments.Select(m => (m.SegmentId, m.Joined, m.MergedFrom)));
        Assert.Equal([("seg-3", true, (string?)null)], customers[ContactRecords.AnonymousIdFor("req-c")].Segments.Select(m => (m.SegmentId, m.Joined, m.MergedFrom)));
        string[] kpis = ["kpis/ltv?from=2019-10-01&to=2019-10-31&granularity=month&groupBy=campaign", "kpis/revenue-by-campaign?from=2019-10-01&to=2019-10-31&granularity=month", "kpis/aov?from=2019-10-01&to=2019-10-31&granularity=month&groupBy=segment", "kpis/conversion?from=2019-10-01&to=2019-10-01&groupBy=segment"];
        var answers = await AnswersAsync(client, kpis);

        await new ReadModelRebuild(store).RunAsync(batchSize: 3);

        Assert.Equal(live, await DocumentsAsync(store));
        Assert.Equal(answers, await AnswersAsync(client, kpis));
        Assert.Contains("\"seg-late\"", answers[2], StringComparison.Ordinal);
        // No log entry names an erased contact (its lead's and order's own ids aside).
        var log = await store.FindAsync(EventLogCollections.Log.Find(Filter<LoggedEvent>.All));
        Assert.All(log, e => Assert.True(e.ContactId != c && e.ContactId != b && !e.Body.Contains($"\"{c}\"", StringComparison.Ordinal) && !e.Body.Contains($"\"{b}\"", StringComparison.Ordinal), e.Body));
    }

    private static int QueuesOf(Type eventType) => AnalyticsProjection.All.Where(p => p.EventType == eventType).Select(p => p.Queue).Distinct().Count();

    private static SegmentMembershipChanged Membership(string contact, string segment, bool joined, DateTimeOffset at) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, SegmentId = segment, SegmentVersion = 1, ContactId = contact, Joined = joined };

    /// <summary>The answers as JSON text, each with its watermark's lag left out (how long after the event it was applied).</summary>
    private static async Task<List<string>> AnswersAsync(HttpClient client, params string[] paths)
    {
        var answers = new List<string>();
        foreach (var path in paths.Length > 0 ? paths : Answers)
        {
            var response = await client.GetAsync(new Uri("/api/analytics/" + path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            json["watermark"]?.AsObject().Remove("lagSeconds");
            answers.Add(json.ToJsonString());
        }

        return answers;
    }

    /// <summary>Every read model document as JSON (versions left out), by collection and id.</summary>
    private static async Task<List<string>> DocumentsAsync(IDocumentStore store)
    {
        var documents = new List<string>();
        await AddAsync(CounterCollections.Counters);
        await AddAsync(LeadFactCollections.LeadFacts);
        await AddAsync(CustomerCollections.Customers);
        await AddAsync(MessageFactCollections.MessageFacts);
        await AddAsync(LiveCollections.LeadMinutes);
        // A cohort at zero is no cohort (a lead that moved to another group leaves one behind, live or rebuilt, as the order had it).
        await AddAsync(LeadCohortCollections.Cohorts, c => c.Leads != 0 || c.Won != 0);
        return documents;

        async Task AddAsync<T>(DocumentCollection<T> collection, Func<T, bool>? kept = null)
            where T : class, IDocument
        {
            foreach (var document in (await store.FindAsync(collection.Find(Filter<T>.All))).Where(kept ?? (_ => true)).OrderBy(x => x.Id, StringComparer.Ordinal))
            {
                var json = JsonSerializer.SerializeToNode(document, DocumentJsonOptions)!.AsObject();
                json.Remove("version");
                documents.Add($"{collection.Name} {json.ToJsonString()}");
            }
        }
    }

    private static readonly JsonSerializerOptions DocumentJsonOptions = new(JsonSerializerDefaults.Web);
}
