using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// Queues a newer version of a service no longer consumes (e.g. several read models' queues folded into one per event):
/// each old queue, with its bindings, keeps receiving every event and nobody reads it, and the events waiting in it when
/// the new version started are applied by nobody. At start (once the bus is up, so the new queues exist and are bound)
/// this moves each retired queue's waiting messages to its successor and deletes it: first its endpoint exchange
/// (<c>{queue}</c>, MassTransit's, so nothing more arrives), then the queue once empty. A broker that cannot be reached is
/// tried again every <see cref="RetryDelay"/> until it can; a queue already gone is skipped. Only on a RabbitMQ bus.
/// </summary>
public sealed class RetiredQueues(IReadOnlyDictionary<string, string> successors, string amqpUri, IBus bus, ILogger<RetiredQueues> logger) : BackgroundService
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>Messages moved since start (all queues).</summary>
    public int Moved { get; private set; }

    /// <summary>Completes once every retired queue is gone.</summary>
    public Task Done => _done.Task;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (bus.Address.Scheme != "rabbitmq")
        {
            // Another transport (the tests' in-memory harness): no broker queues to retire.
            _done.TrySetResult();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RetireAllAsync(stoppingToken);
                _done.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException or RabbitMQ.Client.Exceptions.PublishException)
            {
                logger.LogWarning(ex, "Could not retire the old queues yet; trying again in {Delay}", RetryDelay);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task RetireAllAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqpUri), ClientProvidedName = "retired-queues" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        foreach (var (retired, successor) in successors)
        {
            // A channel per queue: a passive declare of a queue that is gone closes its channel.
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            try
            {
                await channel.QueueDeclarePassiveAsync(retired, cancellationToken);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                continue;
            }

            await channel.ExchangeDeleteAsync(retired, ifUnused: false, cancellationToken: cancellationToken);
            var moved = 0;
            while (await channel.BasicGetAsync(retired, autoAck: false, cancellationToken) is { } message)
            {
                // Confirmed by the broker (and routed: mandatory, a missing successor fails) before the old copy goes.
                await channel.BasicPublishAsync(string.Empty, successor, mandatory: true, new BasicProperties(message.BasicProperties), message.Body, cancellationToken);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                moved++;
            }

            await channel.QueueDeleteAsync(retired, ifUnused: false, ifEmpty: true, cancellationToken: cancellationToken);
            Moved += moved;
            logger.LogInformation("Retired queue {Retired}: {Moved} waiting messages moved to {Successor}", retired, moved, successor);
        }
    }
}

public static class RetiredQueueRegistration
{
    /// <summary>
    /// Retires <paramref name="successors"/>' keys (old queue → the queue that now consumes what it held), as
    /// <see cref="RetiredQueues"/> says, on the broker of <c>RabbitMq:Uri</c>. Register after <c>AddCrmMessaging</c>.
    /// </summary>
    public static IServiceCollection AddRetiredQueues(this IServiceCollection services, IConfiguration configuration, IReadOnlyDictionary<string, string> successors)
    {
        var uri = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()?.Uri ?? new RabbitMqOptions().Uri;
        services.AddSingleton(sp => new RetiredQueues(successors, uri, sp.GetRequiredService<IBus>(), sp.GetRequiredService<ILogger<RetiredQueues>>()));
        services.AddHostedService(sp => sp.GetRequiredService<RetiredQueues>());
        return services;
    }
}
