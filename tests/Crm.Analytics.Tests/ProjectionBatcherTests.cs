using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// <see cref="ProjectionBatcher"/> on both stores (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set): the deliveries
/// of a queue waiting together are applied in one transaction with each one's own writes (its inbox record, its log
/// entry), a document two of them touch is read as the earlier one left it, a commit that meets another writer's change
/// is applied again on fresh reads, and a batch holding an event that throws commits nothing and sends every delivery
/// back to run alone.
/// </summary>
public sealed class ProjectionBatcherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly string Queue = AnalyticsProjection.QueueOf(typeof(LeadCaptured));

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Deliveries_waiting_together_commit_in_one_transaction_and_read_what_the_earlier_ones_wrote(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var gated = new GatedStore(store.Store);
        await using var batcher = await StartAsync(gated);

        // The first commit waits until all 40 are handed over: the rest wait meanwhile and go as one more batch at most.
        gated.HoldCommits();
        var events = Enumerable.Range(0, 40).Select(i => Captured($"l{i}", $"c{i % 5}")).ToList();
        var units = events.Select(_ => NewUnit(store, gated)).ToList();
        for (var i = 0; i < events.Count; i++)
        {
            units[i].InsertIfAbsent(EventLogCollections.Log, EventLogEntries.Create(events[i], events[i].EventId, $"log-{i}", T0));
        }

        var outcomes = Submit(batcher, events, units);
        gated.ReleaseCommits();
        var applied = await Task.WhenAll(outcomes).WaitAsync(Deadline);

        Assert.All(applied, outcome => Assert.Empty(outcome.InvalidOrThrow()));
        Assert.InRange(gated.Commits, 1, 2);
        Assert.All(units, unit => Assert.False(unit.HasWrites));
        Assert.Equal(40, (await store.Store.GetAsync(CounterCollections.Counters, Counter.IdOf(DateOnly.FromDateTime(T0.UtcDateTime), new CounterKey(Metric.LeadsCaptured, Metric.Total))))!.Count);
        Assert.Equal(40, (await store.Store.GetManyAsync(LeadFactCollections.LeadFacts, events.Select(e => e.LeadId))).Count);
        // Each contact's customer document was written by eight events of the batches: none lost.
        var customers = await store.Store.GetManyAsync(CustomerCollections.Customers, Enumerable.Range(0, 5).Select(i => $"c{i}"));
        Assert.Equal([8, 8, 8, 8, 8], customers.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => c.Leads.Count));
        Assert.Equal(40, await store.Store.CountAsync(EventLogCollections.Log, Filter<LoggedEvent>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_commit_that_meets_another_writers_change_is_applied_again_on_fresh_reads(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var gated = new GatedStore(store.Store);
        await using var batcher = await StartAsync(gated);
        var first = Captured("l1", "c1");
        Assert.Empty((await batcher.Batcher.ProjectAsync(new ProjectionDelivery(Queue, typeof(LeadCaptured), first, NewUnit(store, gated))).WaitAsync(Deadline)).InvalidOrThrow());

        // Between the batch's read of c1's customer document and its commit, another writer (another queue) moves it on.
        var second = Captured("l2", "c1");
        gated.BeforeNextCommit = async () =>
        {
            var current = (await store.Store.GetAsync(CustomerCollections.Customers, "c1"))!;
            var other = CustomerRules.Apply(current, Captured("l-other", "c1"));
            await store.Store.CommitAsync(Write.Replace(CustomerCollections.Customers, other with { Version = current.Version + 1 }, current.Version));
        };
        var outcome = await batcher.Batcher.ProjectAsync(new ProjectionDelivery(Queue, typeof(LeadCaptured), second, NewUnit(store, gated))).WaitAsync(Deadline);

        Assert.Empty(outcome.InvalidOrThrow());
        Assert.Equal(2, gated.Commits); // the first event's and the second's on fresh reads (the one that met the change stored nothing)
        Assert.Equal(["l-other", "l1", "l2"], (await store.Store.GetAsync(CustomerCollections.Customers, "c1"))!.Leads.Select(l => l.LeadId).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await store.Store.GetAsync(CounterCollections.Counters, Counter.IdOf(DateOnly.FromDateTime(T0.UtcDateTime), new CounterKey(Metric.LeadsCaptured, Metric.Total))))!.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_batch_holding_an_event_that_throws_commits_nothing_together_and_applies_the_others_alone(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var gated = new GatedStore(store.Store);
        await using var batcher = await StartAsync(gated);

        // The worker takes the first delivery alone and waits on its commit; the other three go in the next batch.
        var first = await HoldFirstCommitAsync(batcher, store, gated);
        var units = Enumerable.Range(0, 3).Select(_ => NewUnit(store, gated)).ToList();
        units[1].InsertIfAbsent(EventLogCollections.Log, EventLogEntries.Create(Captured("l-x", "c-x"), Guid.NewGuid(), "log-kept", T0));
        var poison = Captured("l-poison", "c1") with { LeadId = "", ContactId = "", OccurredAt = default };
        var rest = Submit(batcher, [Captured("l1", "c1"), poison, Captured("l2", "c2")], units);
        gated.ReleaseCommits();

        Assert.Empty((await first.WaitAsync(Deadline)).InvalidOrThrow());
        var outcomes = await Task.WhenAll(rest).WaitAsync(Deadline);
        Assert.Empty(outcomes[0].InvalidOrThrow());
        Assert.Throws<InvalidMessageException>(() => outcomes[1].InvalidOrThrow());
        Assert.Empty(outcomes[2].InvalidOrThrow());
        // The first event's commit, then l1's and l2's each in its own unit: nothing of the poison event.
        Assert.Equal(3, gated.Commits);
        Assert.Equal((false, true, false), (units[0].HasWrites, units[1].HasWrites, units[2].HasWrites));
        Assert.Equal(2, (await store.Store.GetManyAsync(LeadFactCollections.LeadFacts, ["l1", "l2", ""])).Count);
        Assert.Equal(0, await store.Store.CountAsync(EventLogCollections.Log, Filter<LoggedEvent>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_message_delivered_twice_into_one_batch_is_applied_once(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var gated = new GatedStore(store.Store);
        await using var batcher = await StartAsync(gated);

        var first = await HoldFirstCommitAsync(batcher, store, gated);
        // Two deliveries of one message (each past the inbox check before either committed) and another event.
        var twice = Captured("l1", "c1");
        var units = Enumerable.Range(0, 3).Select(_ => NewUnit(store, gated)).ToList();
        var messageId = Guid.NewGuid();
        foreach (var unit in units.Take(2))
        {
            // What the consume pipeline collects for each delivery: the same inbox record.
            unit.Insert(PlatformCollections.Inbox, new InboxRecord { Id = $"analytics-lead-captured:{messageId}", Consumer = "analytics-lead-captured", MessageId = messageId.ToString(), ReceivedAt = T0 });
        }
        var rest = Submit(batcher, [twice, twice, Captured("l2", "c1")], units);
        gated.ReleaseCommits();

        await first.WaitAsync(Deadline);
        Assert.All(await Task.WhenAll(rest).WaitAsync(Deadline), outcome => Assert.Empty(outcome.InvalidOrThrow()));
        Assert.Equal(["l1", "l2"], (await store.Store.GetAsync(CustomerCollections.Customers, "c1"))!.Leads.Select(l => l.LeadId).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await store.Store.GetAsync(CounterCollections.Counters, Counter.IdOf(DateOnly.FromDateTime(T0.UtcDateTime), new CounterKey(Metric.LeadsCaptured, Metric.Total))))!.Count);
    }

    [Fact]
    public async Task A_document_written_twice_by_one_live_store_is_read_as_written_and_replaced_at_each_version()
    {
        await using var store = await CreateStoreAsync(Backend.Sqlite);
        var writes = new List<WriteOperation>();
        var models = new LiveReadModels(store.Store, T0, writes.Add);

        await AnalyticsProjection.ProjectAsync(models, Queue, typeof(LeadCaptured), Captured("l1", "c1"), CancellationToken.None);
        await AnalyticsProjection.ProjectAsync(models, Queue, typeof(LeadCaptured), Captured("l2", "c1"), CancellationToken.None);
        await AnalyticsProjection.ProjectAsync(models, Queue, typeof(LeadCaptured), Captured("l3", "c1") with { OccurredAt = T0.AddSeconds(5) }, CancellationToken.None);
        await store.Store.CommitAsync(writes);

        var customer = (await store.Store.GetAsync(CustomerCollections.Customers, "c1"))!;
        Assert.Equal((3L, 3), (customer.Version, customer.Leads.Count));
        // Each watermark is created once and moved by the first event and by the later one, not by the second.
        var marks = await store.Store.FindAsync(WatermarkCollections.Watermarks.Find(Filter<Watermark>.All));
        Assert.NotEmpty(marks);
        Assert.All(marks, m => Assert.Equal(T0.AddSeconds(5), m.AppliedUpTo));
        Assert.Equal(3 * marks.Count, writes.Count(w => w.Collection.Name == WatermarkCollections.Watermarks.Name));
    }

    private static Task<TestStore> CreateStoreAsync(Backend backend) =>
        TestStore.CreateAsync(
            backend,
            "analytics",
            CounterCollections.Counters,
            LeadFactCollections.LeadFacts,
            CustomerCollections.Customers,
            WatermarkCollections.Watermarks,
            LiveCollections.LeadMinutes,
            LeadCohortCollections.Cohorts,
            EventLogCollections.Log);

    /// <summary>Holds the store's commits and hands the worker a first delivery: it waits on that commit until released, and what is handed meanwhile waits for the next batch.</summary>
    private static async Task<Task<ProjectionOutcome>> HoldFirstCommitAsync(RunningBatcher batcher, TestStore store, GatedStore gated)
    {
        gated.HoldCommits();
        var first = batcher.Batcher.ProjectAsync(new ProjectionDelivery(Queue, typeof(LeadCaptured), Captured("l0", "c0"), NewUnit(store, gated)));
        await gated.CommitWaiting.WaitAsync(Deadline);
        return first;
    }

    private static List<Task<ProjectionOutcome>> Submit(RunningBatcher batcher, IReadOnlyList<LeadCaptured> events, List<UnitOfWork> units) =>
        [.. events.Select((e, i) => batcher.Batcher.ProjectAsync(new ProjectionDelivery(Queue, typeof(LeadCaptured), e, units[i])))];

    private static UnitOfWork NewUnit(TestStore store, IDocumentStore over) => new(over, new FakeTimeProvider(T0), store.Signal);

    private static async Task<RunningBatcher> StartAsync(IDocumentStore store)
    {
        var batcher = new ProjectionBatcher(store, new FakeTimeProvider(T0), NullLogger<ProjectionBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);
        return new RunningBatcher(batcher);
    }

    private static LeadCaptured Captured(string lead, string contact) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = T0, LeadId = lead, ContactId = contact, Source = "fair", Channel = "web", Campaign = "spring" };

    private sealed class RunningBatcher(ProjectionBatcher batcher) : IAsyncDisposable
    {
        public ProjectionBatcher Batcher => batcher;

        public async ValueTask DisposeAsync()
        {
            await batcher.StopAsync(CancellationToken.None);
            batcher.Dispose();
        }
    }

    /// <summary>The store, with its commits counted and, when told, held until released or preceded by another writer's change.</summary>
    private sealed class GatedStore(IDocumentStore inner) : DelegatingStore(inner)
    {
        private TaskCompletionSource _release = Released();
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _commits;

        public int Commits => Volatile.Read(ref _commits);

        public Task CommitWaiting => _waiting.Task;

        public Func<Task>? BeforeNextCommit { get; set; }

        public void HoldCommits() => _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseCommits() => _release.TrySetResult();

        public override async Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default)
        {
            _waiting.TrySetResult();
            await _release.Task;
            if (BeforeNextCommit is { } before)
            {
                BeforeNextCommit = null;
                await before();
            }

            var result = await Inner.CommitAsync(writes, cancellationToken);
            Interlocked.Increment(ref _commits);
            return result;
        }

        private static TaskCompletionSource Released()
        {
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            released.SetResult();
            return released;
        }
    }
}
