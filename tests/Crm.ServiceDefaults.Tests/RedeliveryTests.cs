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
    public sealed record Work(string SampleId, bool NeedsDependency);

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
        service.Dependency.Up = true;
        await Poll.UntilAsync(async () => await service.Store.Store.GetAsync(Samples, "waits") is not null && (await service.ParkedAsync()).Count == 0, "the parked message to be applied");
        Assert.Equal(1, (await service.Store.Store.GetAsync(Samples, "waits"))!.Count);
        Assert.NotNull(await service.Store.Store.GetAsync(PlatformCollections.Inbox, $"{service.Queue}:{messageId:N}"));
        Assert.Equal(0u, await broker.ReadyAsync(service.ErrorQueue));
    }

    [SkippableFact]
    public async Task A_message_still_failing_when_its_retry_window_ends_goes_to_the_error_queue_with_the_reason()
    {
        await using var service = await Service.StartAsync(broker, window: TimeSpan.FromSeconds(1.5));
        var messageId = NewId.NextGuid();

        await service.PublishAsync(new Work("never", NeedsDependency: true), messageId);
        var error = await Poll.ForAsync(() => broker.GetAsync(service.ErrorQueue), "the message in the error queue", TimeSpan.FromSeconds(30));

        var headers = error.BasicProperties.Headers!;
        Assert.Equal(messageId.ToString(), error.BasicProperties.MessageId);
        Assert.Contains("the dependency is down", Text(headers["MT-Fault-Message"]), StringComparison.Ordinal);
        Assert.True(int.Parse(Text(headers[MessageRedelivery.AttemptHeader]), CultureInfo.InvariantCulture) >= 2);
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(Text(headers[MessageRedelivery.FirstFailureHeader]), CultureInfo.InvariantCulture) >= TimeSpan.FromSeconds(1.5));
        Assert.Empty(await service.ParkedAsync());
        Assert.Null(await service.Store.Store.GetAsync(Samples, "never"));
    }

    private static string Text(object? header) => header switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => Convert.ToString(header, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>The dependency a consumer needs (Contacts, say): down until a test brings it up.</summary>
    public sealed class Dependency
    {
        private int _attempts;
        private volatile bool _up;

        public bool Up
        {
            get => _up;
            set => _up = value;
        }

        public int Attempts => _attempts;

        public void Call()
        {
            Interlocked.Increment(ref _attempts);
            if (!Up)
            {
                throw new TimeoutException("the dependency is down");
            }
        }
    }

    /// <summary>Counts the work on its sample, calling the dependency first when the message needs it.</summary>
    public sealed class DoWork(UnitOfWork unit, Dependency dependency) : IConsumer<Work>
    {
        public Task Consume(ConsumeContext<Work> context)
        {
            if (context.Message.NeedsDependency)
            {
                dependency.Call();
            }

            unit.Upsert(Samples, Minimal(context.Message.SampleId), new Update<Sample>().Inc(x => x.Count, 1));
            return Task.CompletedTask;
        }
    }

    /// <summary>A service in-process (its own queue on the shared broker, its own SQLite store) with short retry settings.</summary>
    private sealed class Service(WebApplication app, TestStore store, string queue) : IAsyncDisposable
    {
        public string Queue => queue;

        public string ErrorQueue => queue + "_error";

        public TestStore Store => store;

        public Dependency Dependency => app.Services.GetRequiredService<Dependency>();

        public static async Task<Service> StartAsync(Broker broker, TimeSpan window)
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
            builder.Configuration["Messaging:Retry:FirstDelay"] = "00:00:00.1";
            builder.Configuration["Messaging:Retry:MaxDelay"] = "00:00:00.4";
            builder.Configuration["Messaging:Retry:Window"] = window.ToString("c", CultureInfo.InvariantCulture);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<Dependency>();
            builder.AddCrmStorage(name, Samples);
            builder.AddCrmMessaging(name, consumers => consumers.Add<DoWork>("work", concurrentMessageLimit: 1));
            var app = builder.Build();
            await app.StartAsync();
            return new Service(app, store, $"{name}-work");
        }

        public Task PublishAsync(Work work, Guid messageId) =>
            app.Services.GetRequiredService<IBus>().Publish(work, c => c.MessageId = messageId);

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

        private Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(Node.AmqpUri) }.CreateConnectionAsync();
    }
}
