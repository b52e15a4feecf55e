using System.Collections.Concurrent;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The consume pipeline as <see cref="CrmMessaging"/> builds it (retries, then <see cref="UnitOfWorkFilter{T}"/>,
/// consumers registered by queue name) on a real store of both backends with MassTransit's harness: a message is
/// applied once per queue however often it is delivered, and a delivery that throws leaves nothing behind.
/// </summary>
public sealed class ConsumePipelineTests
{
    private const string Queue = "defaults-sample-changed";

    public static TheoryData<Backend> Backends => TestStore.Backends;

    /// <summary>What a test asks the consumer to do; <see cref="FailAttempts"/> first attempts throw.</summary>
    public sealed record SampleChanged(string SampleId, int FailAttempts = 0, bool Invalid = false, bool Raced = false);

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_message_delivered_twice_with_the_same_message_id_is_applied_once(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var bus = await BusAsync(store);
        var messageId = NewId.NextGuid();

        await bus.PublishAsync(new SampleChanged("s-1"), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 1);
        await bus.PublishAsync(new SampleChanged("s-1"), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 2);

        // The redelivery never reached the consumer (a concurrent one may, and then loses at commit: see below).
        Assert.Equal(1, bus.Probe.Attempts(messageId));
        Assert.Equal(1, (await store.Store.GetAsync(Samples, "s-1"))!.Count);
        Assert.Equal(["s-1"], (await store.PendingEventsAsync<LeadCaptured>()).Select(e => e.LeadId));
        var inbox = Assert.Single(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
        Assert.Equal(($"{Queue}:{messageId:N}", Queue, messageId.ToString("N")), (inbox.Id, inbox.Consumer, inbox.MessageId));

        // Another message (another MessageId) about the same document is applied: the inbox keys on the message.
        var next = NewId.NextGuid();
        await bus.PublishAsync(new SampleChanged("s-1"), next);
        await bus.WaitUntilFinishedAsync(next, 1);
        Assert.Equal(2, (await store.Store.GetAsync(Samples, "s-1"))!.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_attempt_that_throws_commits_nothing_and_its_retry_starts_from_nothing(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var bus = await BusAsync(store);
        var messageId = NewId.NextGuid();

        await bus.PublishAsync(new SampleChanged("s-1", FailAttempts: 1), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 1);

        Assert.Equal(2, bus.Probe.Attempts(messageId));
        Assert.Null(await store.Store.GetAsync(Samples, $"s-1#{messageId:N}#1"));
        Assert.NotNull(await store.Store.GetAsync(Samples, $"s-1#{messageId:N}#2"));
        Assert.Equal(1, (await store.Store.GetAsync(Samples, "s-1"))!.Count);
        Assert.Single(await store.PendingEventsAsync<LeadCaptured>());
        Assert.Single(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_delivery_that_fails_records_no_inbox_entry_so_its_redelivery_applies(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var bus = await BusAsync(store);
        var messageId = NewId.NextGuid();

        // Not retried (invalid): it faults at once.
        await bus.PublishAsync(new SampleChanged("s-1", FailAttempts: 1, Invalid: true), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 1);

        Assert.Equal(1, bus.Recorder.Faulted(messageId));
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
        Assert.Empty(await store.PendingOutboxAsync());

        // Redelivered (from the error queue, say) once the cause is gone: applied.
        await bus.PublishAsync(new SampleChanged("s-1", FailAttempts: 1, Invalid: true), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 2);
        Assert.Equal(1, (await store.Store.GetAsync(Samples, "s-1"))!.Count);
        Assert.Single(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_delivery_that_loses_the_race_to_a_concurrent_delivery_is_acknowledged_without_its_effects(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await using var bus = await BusAsync(store);
        var messageId = NewId.NextGuid();

        await bus.PublishAsync(new SampleChanged("s-1", Raced: true), messageId);
        await bus.WaitUntilFinishedAsync(messageId, 1);

        Assert.Equal((1, 0), (bus.Recorder.Consumed(messageId), bus.Recorder.Faulted(messageId)));
        Assert.NotNull(await store.Store.GetAsync(Samples, "s-1-winner"));
        Assert.Null(await store.Store.GetAsync(Samples, "s-1"));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    private static async Task<TestBus> BusAsync(TestStore store)
    {
        var readiness = new StoreReadiness();
        readiness.SetReady();
        var provider = new ServiceCollection()
            .AddSingleton(store.Store)
            .AddSingleton(TimeProvider.System)
            .AddSingleton(store.Signal)
            .AddSingleton(readiness)
            .AddSingleton<ConsumerProbe>()
            .AddScoped<UnitOfWork>()
            .AddMessageRedelivery(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build())
            .AddMassTransitTestHarness(x =>
            {
                x.DisableUsageTelemetry();
                x.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(2), testInactivityTimeout: TimeSpan.FromMinutes(1));
                // As CrmMessaging registers them: retries outside, the unit of work inside, queue named by the service.
                x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                {
                    CrmMessaging.ConfigureRetries(endpoint, context);
                    endpoint.UseConsumeFilter(typeof(UnitOfWorkFilter<>), context);
                });
                new CrmConsumers(x, "defaults").Add<ApplySampleChange>("sample-changed");
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return new TestBus(provider, harness);
    }

    private sealed class TestBus(ServiceProvider provider, ITestHarness harness) : IAsyncDisposable
    {
        public BusRecorder Recorder { get; } = new(harness.Bus);

        public ConsumerProbe Probe => provider.GetRequiredService<ConsumerProbe>();

        public Task PublishAsync(SampleChanged message, Guid messageId) => harness.Bus.Publish(message, c => c.MessageId = messageId);

        public Task WaitUntilFinishedAsync(Guid messageId, int deliveries) =>
            Poll.UntilAsync(() => Task.FromResult(Recorder.Finished(messageId) >= deliveries), $"{deliveries} finished deliveries of {messageId}");

        public async ValueTask DisposeAsync()
        {
            Recorder.Dispose();
            await provider.DisposeAsync();
        }
    }

    /// <summary>Counts the attempts the consumer saw per MessageId.</summary>
    public sealed class ConsumerProbe
    {
        private readonly ConcurrentDictionary<Guid, int> _attempts = new();

        public int Next(Guid messageId) => _attempts.AddOrUpdate(messageId, 1, (_, n) => n + 1);

        public int Attempts(Guid messageId) => _attempts.GetValueOrDefault(messageId);
    }

    /// <summary>Counts the change on the sample, writes one document per delivery attempt and publishes an event; fails as the message asks.</summary>
    public sealed class ApplySampleChange(UnitOfWork unit, ConsumerProbe probe, IDocumentStore store) : IConsumer<SampleChanged>
    {
        public async Task Consume(ConsumeContext<SampleChanged> context)
        {
            var message = context.Message;
            var attempt = probe.Next(context.MessageId!.Value);
            if (message.Raced)
            {
                // Another delivery of the same message commits first (on another replica).
                var winner = new UnitOfWork(store, TimeProvider.System, new Storage.Outbox.OutboxSignal());
                winner.Accept(InboxKey.For(context));
                winner.Insert(Samples, Minimal(message.SampleId + "-winner"));
                await winner.CommitAsync(context.CancellationToken);
            }

            unit.Upsert(Samples, Minimal(message.SampleId), new Update<Sample>().Inc(x => x.Count, 1));
            unit.Insert(Samples, Minimal($"{message.SampleId}#{context.MessageId:N}#{attempt}"));
            unit.Publish(Captured(message.SampleId));
            if (attempt <= message.FailAttempts)
            {
                throw message.Invalid ? new InvalidMessageException("not valid (yet)") : new TimeoutException("a dependency timed out");
            }
        }
    }
}
