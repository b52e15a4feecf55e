using Crm.ServiceDefaults.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>RabbitMQ connection (config section <c>RabbitMq</c>).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    /// <summary>e.g. <c>amqp://guest:guest@localhost:5672/</c>.</summary>
    public string Uri { get; set; } = "amqp://guest:guest@localhost:5672/";
    /// <summary>Messages a consumer endpoint takes at once (per endpoint: <see cref="Endpoints"/>).</summary>
    public ushort PrefetchCount { get; set; } = 16;

    /// <summary>
    /// The type of the consumer queues: <c>quorum</c> (default: replicated by a RabbitMQ cluster, survives a node) or
    /// <c>classic</c> (a single node's local runs). A queue keeps the type it was declared with: switching needs the
    /// queues deleted first (RabbitMQ refuses to redeclare a queue with another type).
    /// </summary>
    public RabbitQueueType QueueType { get; set; } = RabbitQueueType.Quorum;

    /// <summary>
    /// Quorum queues: deliveries of one message after which the broker drops it (<c>x-delivery-limit</c>). Failures
    /// are retried by the service, which acknowledges the message meanwhile: only a message that kills the process
    /// every time it is handled is redelivered this often.
    /// </summary>
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>Per consumer queue (e.g. <c>messaging-lead-assigned</c>): its own prefetch and concurrency, over the code's defaults.</summary>
    public Dictionary<string, RabbitEndpointOptions> Endpoints { get; set; } = new(StringComparer.Ordinal);
}

public enum RabbitQueueType
{
    Quorum,
    Classic,
}

/// <summary><c>RabbitMq:Endpoints:&lt;queue&gt;</c>.</summary>
public sealed class RabbitEndpointOptions
{
    /// <summary>Messages this endpoint takes at once.</summary>
    public ushort? PrefetchCount { get; set; }

    /// <summary>Messages this endpoint handles at once in this process.</summary>
    public int? ConcurrentMessageLimit { get; set; }
}

/// <summary>
/// MassTransit over RabbitMQ, the same for every service: quorum queues named <c>{service}-{consumer}</c> (publisher
/// confirms on; type, delivery limit, prefetch and concurrency per endpoint from <see cref="RabbitMqOptions"/>), three
/// immediate retries, then delayed retries (1 s, 5 s, 15 s, 30 s; held by the consumer, so they need no broker
/// plugin and an unacknowledged message goes back to the queue if the process dies), then the <c>_error</c>
/// queue. <see cref="InvalidMessageException"/> is never retried. The host waits until the bus and its
/// queues are bound before it reports ready.
/// </summary>
public static class CrmMessaging
{
    public static IReadOnlyList<TimeSpan> DelayedRetryIntervals { get; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)];

    /// <summary>
    /// MassTransit for a service on the document layer: consumers registered by name (queue <c>{service}-{name}</c>,
    /// also the inbox key), each message consumed in a <see cref="Storage.UnitOfWork"/> (<see cref="UnitOfWorkFilter{T}"/>).
    /// </summary>
    public static WebApplicationBuilder AddCrmMessaging(this WebApplicationBuilder builder, string serviceName, Action<CrmConsumers> consumers)
    {
        var rabbit = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        if (rabbit.DeliveryLimit < 1)
        {
            throw new InvalidOperationException($"{RabbitMqOptions.Section}:DeliveryLimit must be at least 1, not {rabbit.DeliveryLimit}.");
        }

        builder.Services.AddOptions<MassTransitHostOptions>().Configure(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });

        // Resolved from each message's scope: registered, so MassTransit does not build it by reflection per message.
        builder.Services.AddScoped(typeof(UnitOfWorkFilter<>));
        builder.Services.AddMassTransit(x =>
        {
            // MassTransit 8.5 reports usage to its vendor over HTTP by default: never from our processes.
            x.DisableUsageTelemetry();
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName + "-", includeNamespace: false));
            x.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                ConfigureQueue(endpoint, name, rabbit);
                ConfigureRetries(endpoint);
                endpoint.UseConsumeFilter(typeof(UnitOfWorkFilter<>), context);
            });
            consumers(new CrmConsumers(x, serviceName));
            x.UsingRabbitMq((context, cfg) =>
            {
                // Publisher confirms: a publish (the outbox's) completes only once the broker has the message.
                cfg.Host(new Uri(rabbit.Uri), host => host.PublisherConfirmation = true);
                cfg.PrefetchCount = rabbit.PrefetchCount;
                cfg.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Name.Contains("masstransit", StringComparison.OrdinalIgnoreCase)))
            {
                registration.Tags.Add(CrmHost.ReadyTag);
            }
        });
        return builder;
    }

    /// <summary>The queue's type, delivery limit, prefetch and concurrency, as <see cref="RabbitMqOptions"/> say.</summary>
    public static void ConfigureQueue(IReceiveEndpointConfigurator endpoint, string name, RabbitMqOptions rabbit)
    {
        var queue = endpoint as IRabbitMqReceiveEndpointConfigurator;
        if (queue is not null && rabbit.QueueType == RabbitQueueType.Quorum)
        {
            queue.SetQuorumQueue();
            queue.SetQueueArgument("x-delivery-limit", rabbit.DeliveryLimit);
        }

        if (rabbit.Endpoints.TryGetValue(name, out var own))
        {
            if (own.PrefetchCount is { } prefetch && queue is not null)
            {
                queue.PrefetchCount = prefetch;
            }

            if (own.ConcurrentMessageLimit is { } limit)
            {
                endpoint.ConcurrentMessageLimit = limit;
            }
        }
    }

    /// <summary>Outer: delayed retries; inner: immediate retries. Validation errors skip both.</summary>
    public static void ConfigureRetries(IReceiveEndpointConfigurator endpoint)
    {
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Intervals([.. DelayedRetryIntervals]);
        });
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Immediate(3);
        });
    }
}

/// <summary>Registers a service's consumers, each on its own queue named explicitly (never after a class).</summary>
public sealed class CrmConsumers(IBusRegistrationConfigurator bus, string serviceName)
{
    /// <summary>
    /// Consumer <typeparamref name="TConsumer"/> on queue <c>{service}-{name}</c>; the queue name is also its inbox
    /// key, so renaming the class changes nothing. <paramref name="concurrentMessageLimit"/> caps how many messages it
    /// handles at once in this process (e.g. 1 for a consumer whose units all write one document).
    /// </summary>
    public CrmConsumers Add<TConsumer>(string name, int? concurrentMessageLimit = null)
        where TConsumer : class, IConsumer
    {
        bus.AddConsumer<TConsumer>().Endpoint(e =>
        {
            e.Name = $"{serviceName}-{name}";
            if (concurrentMessageLimit is { } limit)
            {
                e.ConcurrentMessageLimit = limit;
            }
        });
        return this;
    }
}
