using System.Globalization;
using System.Text;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Tests.Documents;
using Crm.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// Redelivery end to end on a real RabbitMQ node and a SQLite store, with the registration every service uses
/// (<see cref="CrmMessaging.AddCrmMessaging"/>, <see cref="Storage.DocumentStorage.AddCrmStorage"/>): a message whose
/// dependency is down is parked (no prefetch slot held, nothing in the queues) and applied once when it is back; a
/// message still failing when its window ends goes to <c>_error</c> with the reason.
/// </summary>
public sealed class RedeliveryTests(RedeliveryTests.Broker broker) : IClassFixture<RedeliveryTests.Broker>
{
    /// <summary>Work for the consumer; with <see cref="NeedsDependency"/> it fails while the dependency is down.</summary>
    public sealed record Work(string SampleId, bool NeedsDependency, bool Bug = false);

    [SkippableFact]
    public async Task A_message_whose_dependency_is_down_is_parked_without_holding_its_slot_and_applied_once_when_it_is_back()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromMinutes(1));
        var messageId = NewId.NextGuid();

        await service.PublishAsync(new Work("waits", NeedsDependency: true), messageId);
        await Poll.UntilAsync(async () => (await service.ParkedAsync()).Count == 1, "the failing message to be parked");
        Assert.True(service.Dependency.Attempts >= 2);

        // The endpoint takes one message at a time (prefetch 1, one consumer): another message gets through meanwhile.
        await service.PublishAsync(new Work("passes", NeedsDependency: false), NewId.NextGuid());
        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "passes") is not null, "the other message to be applied");
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));
        await Poll.UntilAsync(async () => await broker.ReadyAsync(service.Queue) == 0 && (await service.ParkedAsync()).Count == 1, "the parked message to be out of the queue");
        Assert.Null(await service.Store.Store.GetAsync(Samples, "waits"));

        // The dependency is back: the next redelivery applies it, once.
        service.Dependency.Cleared = true;
        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "waits") is not null && (await service.ParkedAsync()).Count == 0, "the parked message to be applied");
        Assert.Equal(1, (await service.Store.Store.GetAsync(Samples, "waits"))!.Count);
        Assert.NotNull(await service.Store.Store.GetAsync(PlatformCollections.Inbox, $"{service.Queue}:{messageId:N}"));
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));
    }

    [SkippableFact]
    public async Task A_message_still_failing_when_its_retry_window_ends_becomes_a_dead_letter_with_the_reason()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromSeconds(1.5));
        var messageId = NewId.NextGuid();

        await service.PublishAsync(new Work("never", NeedsDependency: true), messageId);
        var dead = await Poll.ForAsync(() => service.DeadLetterAsync(messageId), "the message to be a dead letter", TimeSpan.FromSeconds(30));

        Assert.Equal((service.Queue, $"{messageId:N}", DeadLetters.Faulted), (dead.Queue, dead.MessageId, dead.Reason));
        Assert.Equal(typeof(TimeoutException).FullName, dead.ExceptionType);
        Assert.Equal("the dependency is down", dead.ExceptionMessage);
        Assert.True(dead.Redeliveries >= 2, $"{dead.Redeliveries} redeliveries");
        Assert.True(dead.DeadAt - dead.FirstFailedAt >= TimeSpan.FromSeconds(1.5), $"{dead.FirstFailedAt:O} .. {dead.DeadAt:O}");
        Assert.Contains(MessageRedelivery.AttemptHeader, dead.Headers.Keys);
        Assert.Empty(await service.ParkedAsync());
        Assert.Null(await service.Store.Store.GetAsync(Samples, "never"));
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));
    }

    [SkippableFact]
    public async Task A_message_its_handler_cannot_apply_is_a_dead_letter_after_the_immediate_retries_and_is_applied_once_when_replayed_after_the_fix()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromMinutes(1));
        var messageId = NewId.NextGuid();

        await service.PublishAsync(new Work("bug", NeedsDependency: false, Bug: true), messageId);
        var dead = await Poll.ForAsync(() => service.DeadLetterAsync(messageId), "the message to be a dead letter");

        // No waiting for a window: the delivery and its one immediate retry, then set aside with the reason.
        Assert.Equal(2, service.Bugs.Attempts);
        Assert.Equal((typeof(InvalidOperationException).FullName, "a bug in the handler", 0), (dead.ExceptionType, dead.ExceptionMessage, dead.Redeliveries));
        Assert.Equal(MessageUrn.ForTypeString<Work>(), dead.MessageTypes[0]);
        using (var envelope = System.Text.Json.JsonDocument.Parse(dead.Body))
        {
            Assert.Equal("bug", envelope.RootElement.GetProperty("message").GetProperty("sampleId").GetString());
        }

        Assert.Empty(await service.ParkedAsync());
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));

        // Fixed and replayed: applied once, with its MessageId (the inbox has it), and the dead letter is gone.
        service.Bugs.Cleared = true;
        Assert.True(await service.ReplayAsync(dead));
        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "bug") is not null, "the replayed message to be applied");
        Assert.Equal(1, (await service.Store.Store.GetAsync(Samples, "bug"))!.Count);
        Assert.NotNull(await service.Store.Store.GetAsync(PlatformCollections.Inbox, $"{service.Queue}:{messageId:N}"));
        Assert.Null(await service.DeadLetterAsync(messageId));

        // Replayed again (an operator's second click): the inbox drops it.
        await service.PublishAsync(new Work("bug", NeedsDependency: false, Bug: true), messageId);
        await service.PublishAsync(new Work("after", NeedsDependency: false), NewId.NextGuid());
        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "after") is not null, "a later message to be applied");
        Assert.Equal(1, (await service.Store.Store.GetAsync(Samples, "bug"))!.Count);

        // Dropped as a duplicate is consumed, not "skipped": no dead letter, nothing in the broker's _skipped queue.
        Assert.Null(await service.DeadLetterAsync(messageId));
        Assert.Equal(0u, await broker.ReadyAsync(service.Queue + "_skipped"));
    }

    [SkippableFact]
    public async Task A_body_that_cannot_be_read_and_an_unknown_message_type_are_dead_letters_that_cannot_be_replayed_and_healthy_traffic_passes()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromMinutes(1));
        var garbage = NewId.NextGuid();
        var unknown = NewId.NextGuid();

        await broker.SendRawAsync(service.Queue, garbage, "this is not json"u8.ToArray());
        await broker.SendRawAsync(service.Queue, unknown, Encoding.UTF8.GetBytes($$$"""{"messageId":"{{{unknown}}}","messageType":["urn:message:Nowhere:Unknown"],"message":{"x":1}}"""));
        await service.PublishAsync(new Work("healthy", NeedsDependency: false), NewId.NextGuid());

        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "healthy") is not null, "the healthy message to be applied");
        var unreadable = await Poll.ForAsync(
            async () => (await service.Store.Store.FindAsync(PlatformQueries.DeadLetters(service.Queue))).FirstOrDefault(d => d.Body == "this is not json"),
            "the unreadable body to be a dead letter");
        Assert.Equal(DeadLetters.IdOf(service.Queue, garbage.ToString("N")), unreadable.Id);
        var skipped = await Poll.ForAsync(() => service.DeadLetterAsync(unknown), "the unknown type to be a dead letter");
        Assert.Equal(DeadLetters.Faulted, unreadable.Reason);
        Assert.Equal("this is not json", unreadable.Body);
        Assert.NotNull(unreadable.ExceptionType);
        Assert.Equal(DeadLetters.Skipped, skipped.Reason);
        Assert.Equal(["urn:message:Nowhere:Unknown"], skipped.MessageTypes);
        Assert.False(await service.ReplayAsync(unreadable));
        Assert.False(await service.ReplayAsync(skipped));
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));
        Assert.Equal(0u, await broker.ReadyAsync(service.Queue + "_skipped"));
    }

    [SkippableFact]
    public async Task An_endpoint_whose_dependency_stays_down_pauses_with_its_messages_waiting_in_the_queue_and_resumes_when_it_is_back()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromMinutes(5), tripAfter: 3, pause: TimeSpan.FromSeconds(1));
        for (var i = 0; i < 10; i++)
        {
            await service.PublishAsync(new Work($"waits-{i}", NeedsDependency: true), NewId.NextGuid());
        }

        // Three parked in a row: the endpoint stops taking messages; the rest wait in the queue, not parked.
        await Poll.UntilAsync(() => Task.FromResult(service.Breaker.IsPaused(service.Queue)), "the endpoint to pause");
        await Poll.UntilAsync(async () => await broker.ReadyAsync(service.Queue) >= 5, "the messages to wait in the queue");
        Assert.True((await service.ParkedAsync()).Count < 10);

        // Paused is degraded, not unhealthy: /health/ready still answers 200, so the pod keeps serving its API.
        var health = await service.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains(service.Queue, health.Entries.Single(e => e.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase)).Value.Description, StringComparison.Ordinal);

        service.Dependency.Cleared = true;
        await Poll.UntilAsync(
            async () => (await service.Store.Store.FindAsync(Samples.Find(Filter<Sample>.All))).Count(s => s.Id.StartsWith("waits-", StringComparison.Ordinal)) == 10,
            "every message to be applied once the dependency is back",
            TimeSpan.FromSeconds(60));
        Assert.All(await service.Store.Store.FindAsync(Samples.Find(Filter<Sample>.All)), s => Assert.Equal(1, s.Count));
        Assert.Empty(await service.Store.Store.FindAsync(PlatformQueries.DeadLetters(null)));
    }

    [SkippableFact]
    public async Task The_first_success_after_failures_sends_the_parked_messages_back_at_once_instead_of_after_their_back_off()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromHours(1), firstDelay: TimeSpan.FromMinutes(10));
        await service.PublishAsync(new Work("parked", NeedsDependency: true), NewId.NextGuid());
        var parked = Assert.Single(await Poll.ForAsync(async () => await service.ParkedAsync() is { Count: 1 } p ? p : null, "the message to be parked"));
        Assert.True(parked.DueAt > DateTimeOffset.UtcNow.AddMinutes(7), $"due {parked.DueAt:O}");

        // The dependency is back: the next message succeeds, and the parked one follows it within seconds, not minutes.
        service.Dependency.Cleared = true;
        await service.PublishAsync(new Work("next", NeedsDependency: true), NewId.NextGuid());
        await Poll.UntilAsync(
            async () => await service.Store.Store.GetAsync(Samples, "parked") is not null && await service.Store.Store.GetAsync(Samples, "next") is not null,
            "both messages to be applied",
            TimeSpan.FromSeconds(20));
        Assert.Empty(await service.ParkedAsync());
        Assert.Equal(1, (await service.Store.Store.GetAsync(Samples, "parked"))!.Count);
    }

    private static string Text(object? header) => header switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => Convert.ToString(header, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>Something a consumer runs that fails with its error until a test clears it.</summary>
    public abstract class FailingUntilCleared
    {
        private int _attempts;
        private volatile bool _cleared;

        public bool Cleared
        {
            get => _cleared;
            set => _cleared = value;
        }

        public int Attempts => _attempts;

        public void Run()
        {
            Interlocked.Increment(ref _attempts);
            if (!Cleared)
            {
                throw Error();
            }
        }

        protected abstract Exception Error();
    }

    /// <summary>The dependency a consumer needs (Contacts, say): down (transient) until a test brings it up.</summary>
    public sealed class Dependency : FailingUntilCleared
    {
        protected override Exception Error() => new TimeoutException("the dependency is down");
    }

    /// <summary>A bug in the handler (not transient) until a test fixes it.</summary>
    public sealed class Bugs : FailingUntilCleared
    {
        protected override Exception Error() => new InvalidOperationException("a bug in the handler");
    }

    /// <summary>Counts the work on its sample, calling the dependency first when the message needs it.</summary>
    public sealed class DoWork(UnitOfWork unit, Dependency dependency, Bugs bugs) : IConsumer<Work>
    {
        public Task Consume(ConsumeContext<Work> context)
        {
            if (context.Message.Bug)
            {
                bugs.Run();
            }

            if (context.Message.NeedsDependency)
            {
                dependency.Run();
            }

            unit.Upsert(Samples, Minimal(context.Message.SampleId), new Update<Sample>().Inc(x => x.Count, 1));
            return Task.CompletedTask;
        }
    }

    /// <summary>A service in-process (its own queue on the shared broker, its own SQLite store) with short retry settings.</summary>
    private sealed class Service(WebApplication app, TestStore store, string queue) : IAsyncDisposable
    {
        public string Queue => queue;

        public WebApplication App => app;

        public string ErrorQueue => queue + "_error";

        public TestStore Store => store;

        public Dependency Dependency => app.Services.GetRequiredService<Dependency>();

        public Bugs Bugs => app.Services.GetRequiredService<Bugs>();

        public ConsumerBreaker Breaker => app.Services.GetRequiredService<ConsumerBreaker>();

        public static async Task<Service> StartAsync(Broker broker, TimeSpan window, int tripAfter = 0, TimeSpan? pause = null, TimeSpan? firstDelay = null)
        {
            var node = broker.Node;
            var name = $"retry{Guid.NewGuid():N}"[..16];
            var store = await TestStore.CreateAsync(Backend.Sqlite, name, Samples);
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Storage:SqlitePath"] = store.SqlitePath;
            builder.Configuration["RabbitMq:Uri"] = node.AmqpUri;
            builder.Configuration["RabbitMq:PrefetchCount"] = "1";
            builder.Configuration["Timers:PollInterval"] = "00:00:00.05";
            builder.Configuration["Messaging:Retry:Immediate"] = "1";
            builder.Configuration["Messaging:Retry:FirstDelay"] = (firstDelay ?? TimeSpan.FromSeconds(0.1)).ToString("c", CultureInfo.InvariantCulture);
            builder.Configuration["Messaging:Retry:MaxDelay"] = (firstDelay ?? TimeSpan.FromSeconds(0.4)).ToString("c", CultureInfo.InvariantCulture);
            builder.Configuration["Messaging:Retry:Window"] = window.ToString("c", CultureInfo.InvariantCulture);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Configuration["Messaging:Breaker:TripAfter"] = tripAfter.ToString(CultureInfo.InvariantCulture);
            builder.Configuration["Messaging:Breaker:Pause"] = (pause ?? TimeSpan.FromSeconds(5)).ToString("c", CultureInfo.InvariantCulture);
            builder.Services.AddSingleton<Dependency>();
            builder.Services.AddSingleton<Bugs>();
            builder.AddCrmStorage(name, Samples);
            builder.AddCrmMessaging(name, consumers => consumers.Add<DoWork>("work", concurrentMessageLimit: 1));
            var app = builder.Build();
            await app.StartAsync();
            return new Service(app, store, $"{name}-work");
        }

        public Task PublishAsync(Work work, Guid messageId) =>
            app.Services.GetRequiredService<IBus>().Publish(work, c => c.MessageId = messageId);

        public Task<DeadLetterRecord?> DeadLetterAsync(Guid messageId) =>
            store.Store.GetAsync(PlatformCollections.DeadLetters, DeadLetters.IdOf(queue, messageId.ToString("N")));

        /// <summary>What <c>POST .../dead-letters/{id}/replay</c> does.</summary>
        public async Task<bool> ReplayAsync(DeadLetterRecord record)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            if (!app.Services.GetRequiredService<DeadLetterKeeper>().Replay(unit, record))
            {
                return false;
            }

            await unit.CommitAsync();
            return true;
        }

        public Task<IReadOnlyList<TimerRecord>> ParkedAsync() =>
            store.Store.FindAsync(PlatformCollections.Timers.Find(Filter<TimerRecord>.Eq(x => x.Kind, MessageRedelivery.TimerKind)));

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await store.DisposeAsync();
        }
    }

    /// <summary>One private RabbitMQ node for the tests of this class (each test has its own queues on it).</summary>
    public sealed class Broker : IAsyncLifetime
    {
        private RabbitMqNode? _node;

        public RabbitMqNode Node
        {
            get
            {
                Skip.If(_node is null, "rabbitmq-server is not installed (apt-get install -y rabbitmq-server)");
                return _node!;
            }
        }

        public async Task InitializeAsync()
        {
            if (RabbitMqNode.IsInstalled)
            {
                _node = await RabbitMqNode.StartAsync();
            }
        }

        public async Task DisposeAsync()
        {
            if (_node is not null)
            {
                await _node.DisposeAsync();
            }
        }

        /// <summary>Messages ready in <paramref name="queue"/> (0 when it does not exist).</summary>
        public async Task<uint> ReadyAsync(string queue)
        {
            await using var connection = await ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
            }
            catch (OperationInterruptedException)
            {
                return 0;
            }
        }

        /// <summary>Takes the next message of <paramref name="queue"/>, or null.</summary>
        public async Task<BasicGetResult?> GetAsync(string queue)
        {
            await using var connection = await ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                return await channel.BasicGetAsync(queue, autoAck: true);
            }
            catch (OperationInterruptedException)
            {
                return null;
            }
        }

        /// <summary>Sends <paramref name="body"/> as is to <paramref name="queue"/> (the default exchange), as MassTransit's JSON would be labelled.</summary>
        public async Task SendRawAsync(string queue, Guid messageId, byte[] body)
        {
            await using var connection = await ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            var properties = new BasicProperties { MessageId = messageId.ToString(), ContentType = "application/vnd.masstransit+json", Persistent = true };
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body);
        }

        private Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(Node.AmqpUri) }.CreateConnectionAsync();
    }
}
