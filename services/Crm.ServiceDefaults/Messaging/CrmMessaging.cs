using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    /// <summary>The first wait before reconnecting to a broker that went away (<see cref="BrokerReconnect"/>).</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts to reconnect: a broker back is used again within this.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

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
/// confirms on; type, delivery limit, prefetch and concurrency per endpoint from <see cref="RabbitMqOptions"/>); a message that
/// fails is retried at once (<c>Messaging:Retry:Immediate</c>, 3), then parked in the service's store as a durable
/// timer and its delivery acknowledged (no prefetch slot held, no broker plugin needed), and sent back to its queue
/// after a back-off of 1 s doubling to 5 min (±20 %), again and again until an hour after its first failure
/// (<c>Messaging:Retry:Window</c>); then it goes to the <c>_error</c> queue (<see cref="MessageRedelivery"/>).
/// <see cref="InvalidMessageException"/> is neither retried nor parked. The host waits until the bus and its queues
/// are bound before it reports ready.
/// </summary>
public static class CrmMessaging
{
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

        if (rabbit.ReconnectMinDelay <= TimeSpan.Zero || rabbit.ReconnectMaxDelay < rabbit.ReconnectMinDelay)
        {
            throw new InvalidOperationException(
                $"{RabbitMqOptions.Section}:ReconnectMinDelay ({rabbit.ReconnectMinDelay}) must be positive and not longer than {RabbitMqOptions.Section}:ReconnectMaxDelay ({rabbit.ReconnectMaxDelay}).");
        }

        builder.Services.AddOptions<MassTransitHostOptions>().Configure(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddMessageRedelivery(builder.Configuration);
        builder.Services.AddSingleton(new MessagingService(serviceName));

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
                ConfigureRetries(endpoint, context);
                DeadLetterConfiguration.KeepDeadLetters(endpoint, name, context);
                context.GetRequiredService<ConsumerBreaker>().Watch(endpoint, name);
                endpoint.UseConsumeFilter(typeof(UnitOfWorkFilter<>), context);
                // A service's own filters, inside the unit of work (after its inbox check): they add to the consumer's unit.
                foreach (var inner in context.GetServices<InnerConsumeFilter>())
                {
                    endpoint.UseConsumeFilter(inner.FilterType, context);
                }
            });
            consumers(new CrmConsumers(x, serviceName));
            x.UsingRabbitMq((context, cfg) =>
            {
                // Publisher confirms: a publish (the outbox's) completes only once the broker has the message.
                cfg.Host(new Uri(rabbit.Uri), host => host.PublisherConfirmation = true);
                if (!BrokerReconnect.TryApply(cfg, rabbit.ReconnectMinDelay, rabbit.ReconnectMaxDelay))
                {
                    context.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrokerReconnect).FullName!)
                        .LogWarning("Could not shorten MassTransit's reconnect schedule (its internals changed): after a broker outage, consumers may wait up to 30 s before they consume again");
                }

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

    /// <summary>
    /// Parking and redelivery (<see cref="MessageRedelivery"/>, its timer handler and metrics) with the settings of
    /// <c>Messaging:Retry</c>, checked at start.
    /// </summary>
    public static IServiceCollection AddMessageRedelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCheckedSettings<MessageRetryOptions>(configuration, MessageRetryOptions.Section);
        services.AddMetrics();
        services.AddSingleton<MessagingMetrics>();
        services.AddSingleton<MessageRedelivery>();
        services.AddCheckedSettings<BreakerOptions>(configuration, BreakerOptions.Section);
        services.AddSingleton<ConsumerBreaker>();
        services.AddDeadLetters();
        services.AddScoped<ITimerHandler, RedeliveryTimer>();
        return services;
    }

    /// <summary>
    /// Outer: parking for a delayed redelivery (<see cref="MessageRedelivery"/>); inner: immediate retries. Validation
    /// errors skip both.
    /// </summary>
    public static void ConfigureRetries(IReceiveEndpointConfigurator endpoint, IServiceProvider services)
    {
        var redelivery = services.GetRequiredService<MessageRedelivery>();
        _ = new RedeliveryConfigurationObserver(endpoint, redelivery, services.GetRequiredService<DeadLetterKeeper>());
        if (redelivery.Options.Immediate > 0)
        {
            endpoint.UseMessageRetry(r =>
            {
                r.Ignore<InvalidMessageException>();
                r.Immediate(redelivery.Options.Immediate);
            });
        }
    }
}

/// <summary>
/// A consume filter (an open generic <c>IFilter&lt;ConsumeContext&lt;T&gt;&gt;</c>, registered scoped) that a service runs on
/// every one of its endpoints inside <see cref="UnitOfWorkFilter{T}"/>: after the inbox check, with the consumer's unit of
/// work, so what it writes commits with the consumer's effect. Register it as a singleton before the host starts.
/// </summary>
public sealed record InnerConsumeFilter(Type FilterType);

/// <summary>Registers a service's consumers, each on its own queue named explicitly (never after a class).</summary>
public sealed class CrmConsumers(IBusRegistrationConfigurator bus, string serviceName)
{
    /// <summary>
    /// Consumer <typeparamref name="TConsumer"/> on queue <c>{service}-{name}</c>; the queue name is also its inbox
    /// key, so renaming the class changes nothing. <paramref name="concurrentMessageLimit"/> caps how many messages it
    /// handles at once in this process (e.g. 1 for a consumer whose units all write one document).
    /// </summary>
    public CrmConsumers Add<TConsumer>(string name, int? concurrentMessageLimit = null)
        where TConsumer : class, IConsumer =>
        Add(typeof(TConsumer), name, concurrentMessageLimit);

    /// <summary>
    /// As <see cref="Add{TConsumer}"/>, for a consumer type known at run time (e.g. a generic consumer closed per event
    /// type); <paramref name="prefetchCount"/> overrides <c>RabbitMq:PrefetchCount</c> for its queue (e.g. a consumer that
    /// batches what it is handed). <c>RabbitMq:Endpoints:&lt;queue&gt;</c> overrides both.
    /// </summary>
    public CrmConsumers Add(Type consumerType, string name, int? concurrentMessageLimit = null, int? prefetchCount = null)
    {
        bus.AddConsumer(consumerType).Endpoint(e =>
        {
            e.Name = $"{serviceName}-{name}";
            if (concurrentMessageLimit is { } limit)
            {
                e.ConcurrentMessageLimit = limit;
            }

            if (prefetchCount is { } prefetch)
            {
                e.PrefetchCount = prefetch;
            }
        });
        return this;
    }
}

/// <summary>Settings that name what is wrong with them (<c>Messaging:Retry</c>, <c>Messaging:Breaker</c>).</summary>
public interface ICheckedSettings
{
    /// <summary>What is wrong with these settings (empty when nothing).</summary>
    IEnumerable<string> Errors();
}

/// <summary>Registers checked settings: bound from a config section, validated at start (every wrong setting named).</summary>
public static class CheckedSettings
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, checks it at start (<see cref="SettingsValidation{T}"/>)
    /// and registers it both as <c>IOptions&lt;T&gt;</c> and as <typeparamref name="T"/> itself.
    /// </summary>
    public static IServiceCollection AddCheckedSettings<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, ICheckedSettings
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>, SettingsValidation<T>>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return services;
    }
}

/// <summary>Checks <typeparamref name="T"/> at start, naming every wrong setting.</summary>
public sealed class SettingsValidation<T> : IValidateOptions<T>
    where T : class, ICheckedSettings
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        options.Errors().ToList() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
