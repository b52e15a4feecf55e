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
    /// <summary>Messages a consumer endpoint takes at once.</summary>
    public ushort PrefetchCount { get; set; } = 16;
}

/// <summary>
/// MassTransit over RabbitMQ, the same for every service: queues named <c>{service}-{consumer}</c>, three
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
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                ConfigureRetries(endpoint);
                endpoint.UseConsumeFilter(typeof(UnitOfWorkFilter<>), context);
            });
            consumers(new CrmConsumers(x, serviceName));
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(new Uri(rabbit.Uri));
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
