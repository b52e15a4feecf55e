using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The outbox dispatcher on both backends with MassTransit's in-memory harness (DESIGN.md §5, review finding M4):
/// nothing committed is lost across a crash, a crash after publishing republishes the same MessageId only once
/// the publisher's lease ran out (another replica takes over), a record that cannot be published backs off and is
/// set aside without blocking the others, and replicas publish every record exactly once.
/// </summary>
public sealed class OutboxDispatcherTests : IAsyncLifetime
{
    private static readonly DocumentCollection<OutboxRecord> Outbox = PlatformCollections.Outbox;
    private static readonly JsonElement EmptyBody = JsonDocument.Parse("{}").RootElement;

    private readonly FakeTimeProvider _time = new(T0);
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private PublishLog _published = null!;

    public static TheoryData<Backend> Backends => TestStore.Backends;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddMetrics()
            .AddMassTransitTestHarness(x =>
            {
                x.DisableUsageTelemetry();
                x.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(2), testInactivityTimeout: TimeSpan.FromMinutes(1));
            })
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
        _published = new PublishLog(_harness.Bus);
    }

    public async Task DisposeAsync()
    {
        _published.Dispose();
        await _provider.DisposeAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_event_committed_before_a_crash_is_published_after_the_restart_with_the_outbox_id_as_message_id(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        var unit = store.NewUnit(_time);
        unit.Publish(Captured("lead-1"));
        await unit.CommitAsync();
        var record = Assert.Single(await store.PendingOutboxAsync());

        // The process dies before its dispatcher ran; a new one starts on the same file / database.
        await using var restarted = store.OpenSecond();
        var dispatcher = Dispatcher(restarted.Store);

        Assert.Equal(new DispatchResult(1, 1, 0, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        var published = await _published.WaitForAsync(Guid.ParseExact(record.Id, "N"), 1);
        Assert.Equal("lead-1", ((LeadCaptured)published.Message).LeadId);
        Assert.Null(await restarted.Store.GetAsync(Outbox, record.Id)); // deleted once confirmed
        Assert.Empty(await store.PendingOutboxAsync());

        Assert.Equal(new DispatchResult(0, 0, 0, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        Assert.Equal(1, _published.Count(Guid.ParseExact(record.Id, "N")));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_crash_between_publish_and_delete_republishes_the_same_message_id_only_after_the_lease_ran_out(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        var unit = store.NewUnit(_time);
        unit.Publish(Captured("lead-1"));
        await unit.CommitAsync();
        var messageId = Guid.ParseExact(Assert.Single(await store.PendingOutboxAsync()).Id, "N");
        var options = new OutboxOptions();

        // Replica A publishes and dies before it records the outcome.
        await Assert.ThrowsAsync<InvalidOperationException>(() => Dispatcher(new CrashOnCommit(store.Store), options).DispatchOnceAsync(CancellationToken.None));
        await _published.WaitForAsync(messageId, 1);

        await using var other = store.OpenSecond();
        var replicaB = Dispatcher(other.Store, options);
        Assert.Equal(0, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Claimed);
        _time.Advance(options.Lease);
        Assert.Equal(0, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Claimed);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await replicaB.DispatchOnceAsync(CancellationToken.None));

        await _published.WaitForAsync(messageId, 2);
        Assert.All(_published.All, p => Assert.Equal(messageId, p.MessageId));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Only_the_replica_holding_the_lease_publishes_and_it_renews_the_lease_while_it_works(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        await using var other = store.OpenSecond();
        var options = new OutboxOptions();
        var replicaA = Dispatcher(store.Store, options);
        var replicaB = Dispatcher(other.Store, options);
        await PublishAsync(store, "lead-1");

        Assert.Equal(1, (await replicaA.DispatchOnceAsync(CancellationToken.None)).Published);
        await PublishAsync(store, "lead-2");
        Assert.Equal(0, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Claimed);

        // Past a third of the lease A renews it, so B stays out after the first lease would have run out.
        _time.Advance(options.Lease / 2);
        Assert.Equal(1, (await replicaA.DispatchOnceAsync(CancellationToken.None)).Published);
        _time.Advance(options.Lease * 3 / 4);
        await PublishAsync(store, "lead-3");
        Assert.Equal(0, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Claimed);
        Assert.Equal(1, (await replicaA.DispatchOnceAsync(CancellationToken.None)).Published);

        // A stops; B takes over once A's lease ran out.
        await PublishAsync(store, "lead-4");
        Assert.Equal(0, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Claimed);
        _time.Advance(options.Lease + TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await replicaB.DispatchOnceAsync(CancellationToken.None)).Published);
        Assert.Equal(0, (await replicaA.DispatchOnceAsync(CancellationToken.None)).Claimed);
        Assert.Equal(["lead-1", "lead-2", "lead-3", "lead-4"], (await _published.WaitForCountAsync(4)).Select(p => ((LeadCaptured)p.Message).LeadId));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_poison_record_backs_off_and_is_set_aside_without_blocking_the_others(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        // The oldest record names a type that no longer exists (renamed contract, or written by a newer version).
        var poison = new OutboxRecord { Id = Ids.New(), Type = "Crm.Contracts.Leads.LeadCapturedV0", Body = EmptyBody, CreatedAt = T0 };
        await store.Store.CommitAsync(Write.Insert(Outbox, poison));
        var unit = store.NewUnit(_time);
        unit.Publish(Captured("lead-1"));
        unit.Publish(Captured("lead-2"));
        await unit.CommitAsync();
        var dispatcher = Dispatcher(store.Store, new OutboxOptions { MaxAttempts = 3 });

        // Round 1: the others are published in the same round; the poison one fails its first attempt.
        Assert.Equal(new DispatchResult(3, 2, 1, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        Assert.Equal(["lead-1", "lead-2"], (await _published.WaitForCountAsync(2)).Select(p => ((LeadCaptured)p.Message).LeadId).Order(StringComparer.Ordinal));
        var failed = (await store.Store.GetAsync(Outbox, poison.Id))!;
        Assert.Equal((1, T0.AddSeconds(1)), (failed.Attempts, failed.RetryAt));
        Assert.StartsWith("TypeLoadException", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("LeadCapturedV0", failed.LastError, StringComparison.Ordinal);
        Assert.Null(failed.DeadAt);

        // While it backs off it is not claimed, and a new event goes out at once.
        var later = store.NewUnit(_time);
        later.Publish(Captured("lead-3"));
        await later.CommitAsync();
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, (await dispatcher.DispatchOnceAsync(CancellationToken.None)).Claimed);

        // Attempt 2 after its first back-off (1 s), attempt 3 after the second (2 s): then it is dead.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DispatchResult(1, 0, 1, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        Assert.Equal((2, _time.GetUtcNow().AddSeconds(2)), await AttemptsAsync(store, poison.Id));
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, (await dispatcher.DispatchOnceAsync(CancellationToken.None)).Claimed);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DispatchResult(1, 0, 1, 1), await dispatcher.DispatchOnceAsync(CancellationToken.None));

        var dead = (await store.Store.GetAsync(Outbox, poison.Id))!;
        Assert.Equal((3, _time.GetUtcNow()), (dead.Attempts, dead.DeadAt));
        Assert.Null(dead.RetryAt);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await dispatcher.DispatchOnceAsync(CancellationToken.None)).Claimed);
        Assert.Empty(await store.PendingOutboxAsync());
        Assert.Equal([poison.Id], (await store.Store.FindAsync(PlatformQueries.DeadOutbox())).Select(r => r.Id));
        Assert.Equal(3, _published.All.Count);
    }

    [Fact]
    public void The_back_off_doubles_from_one_second_up_to_the_maximum()
    {
        var dispatcher = Dispatcher(new CrashOnCommit(null!), new OutboxOptions { MaxBackoff = TimeSpan.FromMinutes(5) }); // the back-off reads no store

        Assert.Equal(
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30 }.Select(a => dispatcher.Backoff(a).TotalSeconds));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_dispatchers_on_two_store_instances_publish_every_record_exactly_once(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        await using var other = store.OpenSecond();
        for (var i = 0; i < 40; i++)
        {
            var unit = store.NewUnit(_time);
            unit.Publish(Captured($"lead-{i:00}"));
            await unit.CommitAsync();
        }

        var ids = (await store.PendingOutboxAsync()).Select(r => Guid.ParseExact(r.Id, "N")).ToList();
        var options = new OutboxOptions { BatchSize = 3 };
        var replicas = new[] { Dispatcher(store.Store, options), Dispatcher(other.Store, options), Dispatcher(store.Store, options), Dispatcher(other.Store, options) };

        await Task.WhenAll(replicas.Select(replica => Task.Run(async () =>
        {
            while ((await replica.DispatchOnceAsync(CancellationToken.None)).Claimed > 0 || (await store.PendingOutboxAsync()).Count > 0)
            {
            }
        })));

        await _published.WaitForCountAsync(40);
        Assert.Equal(ids.Order(), _published.All.Select(p => p.MessageId).Order());
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Draining_overlaps_rounds_and_still_publishes_every_record_once_and_deletes_it(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        var poison = Write.Insert(Outbox, new OutboxRecord { Id = Ids.New(), Type = "Crm.Contracts.Leads.LeadCapturedV0", Body = EmptyBody, CreatedAt = T0 });
        await store.Store.CommitAsync([poison]);
        for (var i = 0; i < 40; i++)
        {
            var unit = store.NewUnit(_time);
            unit.Publish(Captured($"lead-{i:00}"));
            await unit.CommitAsync();
        }

        var ids = (await store.PendingOutboxAsync()).Where(r => r.Type != "Crm.Contracts.Leads.LeadCapturedV0").Select(r => Guid.ParseExact(r.Id, "N")).ToList();

        // Batches of 3: 14 rounds, each one's outcome written while the next is read and published.
        var result = await Dispatcher(store.Store, new OutboxOptions { BatchSize = 3 }).DrainAsync(CancellationToken.None);

        Assert.Equal(new DispatchResult(41, 40, 1, 0), result);
        await _published.WaitForCountAsync(40);
        Assert.Equal(ids.Order(), _published.All.Select(p => p.MessageId).Order());
        var left = Assert.Single(await store.Store.FindAsync(Outbox.All()));
        Assert.Equal((1, T0.AddSeconds(1)), (left.Attempts, left.RetryAt));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Records_an_earlier_layout_kept_marked_sent_are_deleted_not_published_again(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        await store.Store.CommitAsync(Enumerable.Range(0, 2500)
            .Select(i => Write.Insert(Outbox, new OutboxRecord { Id = Ids.New(), Type = typeof(LeadCaptured).FullName!, Body = EmptyBody, CreatedAt = T0, SentAt = T0 }))
            .ToList());
        var unit = store.NewUnit(_time);
        unit.Publish(Captured("lead-1"));
        await unit.CommitAsync();
        var dispatcher = Dispatcher(store.Store);

        Assert.Equal(2500, await dispatcher.DeleteSentAsync(CancellationToken.None));
        Assert.Equal(0, await dispatcher.DeleteSentAsync(CancellationToken.None));

        var left = Assert.Single(await store.Store.FindAsync(Outbox.All()));
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await dispatcher.DrainAsync(CancellationToken.None));
        await _published.WaitForAsync(Guid.ParseExact(left.Id, "N"), 1);
        Assert.Single(_published.All);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Requeueing_a_dead_record_once_its_cause_is_fixed_makes_it_publishable_again(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults");
        var record = new OutboxRecord { Id = Ids.New(), Type = "Crm.Contracts.Leads.LeadCapturedV0", Body = EmptyBody, CreatedAt = T0 };
        await store.Store.CommitAsync(Write.Insert(Outbox, record));
        var dispatcher = Dispatcher(store.Store, new OutboxOptions { MaxAttempts = 1 });
        Assert.Equal(new DispatchResult(1, 0, 1, 1), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        await using var app = await TestWebApp.StartAsync(
            services => services.AddSingleton(store.Store).AddSingleton(store.Signal),
            _ => { });
        Assert.Equal(1, (await app.ManagementClient.GetFromJsonAsync<OutboxView>("/admin/outbox"))!.Dead);

        // The cause is fixed (here: the type is back); an operator requeues the record.
        await store.Store.CommitAsync(Write.Update(
            Outbox,
            Filter<OutboxRecord>.Eq(x => x.Id, record.Id),
            new Update<OutboxRecord>().Set(x => x.Type, typeof(LeadCaptured).FullName!).Set(x => x.Body, OutboxSerializer.CreateRecord(Captured("lead-1"), T0).Body)));
        var requeue = await app.ManagementClient.PostAsync(new Uri($"/admin/outbox/dead/requeue?id={record.Id}", UriKind.Relative), null);

        requeue.EnsureSuccessStatusCode();
        Assert.Equal(1, (await requeue.Content.ReadFromJsonAsync<RequeueAnswer>())!.Requeued);
        Assert.True(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await dispatcher.DispatchOnceAsync(CancellationToken.None));
        Assert.Equal("lead-1", ((LeadCaptured)(await _published.WaitForAsync(Guid.ParseExact(record.Id, "N"), 1)).Message).LeadId);
        Assert.Equal(0, (await app.ManagementClient.GetFromJsonAsync<OutboxView>("/admin/outbox"))!.Dead);
    }

    private async Task PublishAsync(TestStore store, string leadId)
    {
        var unit = store.NewUnit(_time);
        unit.Publish(Captured(leadId));
        await unit.CommitAsync();
    }

    private static async Task<(int, DateTimeOffset?)> AttemptsAsync(TestStore store, string id)
    {
        var record = (await store.Store.GetAsync(Outbox, id))!;
        return (record.Attempts, record.RetryAt);
    }

    private OutboxDispatcher Dispatcher(IDocumentStore store, OutboxOptions? options = null) => new(
        store,
        new OutboxSignal(),
        options ?? new OutboxOptions(),
        new StoreReadiness(),
        new StorageMetrics(_provider.GetRequiredService<IMeterFactory>()),
        new NoLifetime(),
        _time,
        NullLogger<OutboxDispatcher>.Instance,
        _harness.Bus);

    private sealed record OutboxView(long Pending, long Dead);

    private sealed record RequeueAnswer(long Requeued);

    /// <summary>A replica that dies right after publishing: it takes the lease, but every commit recording an outcome fails.</summary>
    private sealed class CrashOnCommit(IDocumentStore store) : DelegatingStore(store)
    {
        public override Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default) =>
            writes.All(w => w.Collection == PlatformCollections.Leases)
                ? Inner.CommitAsync(writes, cancellationToken)
                : throw new InvalidOperationException("The process died.");
    }

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    /// <summary>Every publish with its MessageId (the harness' lists keep one entry per MessageId, so a republish would not show).</summary>
    private sealed class PublishLog : IPublishObserver, IDisposable
    {
        private readonly ConcurrentQueue<(Guid MessageId, object Message)> _published = new();
        private readonly ConnectHandle _handle;

        public PublishLog(IBus bus) => _handle = bus.ConnectPublishObserver(this);

        public List<(Guid MessageId, object Message)> All => _published.ToList();

        public int Count(Guid messageId) => _published.Count(p => p.MessageId == messageId);

        public async Task<(Guid MessageId, object Message)> WaitForAsync(Guid messageId, int times)
        {
            await Poll.UntilAsync(() => Task.FromResult(Count(messageId) >= times), $"{times} publish(es) of {messageId}");
            Assert.Equal(times, Count(messageId));
            return _published.First(p => p.MessageId == messageId);
        }

        public async Task<List<(Guid MessageId, object Message)>> WaitForCountAsync(int count)
        {
            await Poll.UntilAsync(() => Task.FromResult(_published.Count >= count), $"{count} publishes");
            Assert.Equal(count, _published.Count);
            return All;
        }

        public Task PrePublish<T>(PublishContext<T> context)
            where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context)
            where T : class
        {
            _published.Enqueue((context.MessageId ?? Guid.Empty, context.Message));
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;

        public void Dispose() => _handle.Disconnect();
    }
}
