using System.Text;
using Crm.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>Retired queues on a real broker: their waiting messages move to the successor, then the queue and its exchange go.</summary>
public sealed class RetiredQueuesTests(RedeliveryTests.Broker broker) : IClassFixture<RedeliveryTests.Broker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Waiting_messages_move_to_the_successor_and_the_old_queue_and_exchange_are_deleted()
    {
        var (old, successor) = ($"svc-old-{Guid.NewGuid():N}", $"svc-new-{Guid.NewGuid():N}");
        await using (var connection = await ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            // As MassTransit left it: an endpoint exchange bound to its queue, messages waiting in it.
            await channel.ExchangeDeclareAsync(old, ExchangeType.Fanout, durable: true);
            await channel.QueueDeclareAsync(old, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(old, old, string.Empty);
            await channel.QueueDeclareAsync(successor, durable: true, exclusive: false, autoDelete: false);
            for (var i = 0; i < 3; i++)
            {
                await channel.BasicPublishAsync(old, string.Empty, mandatory: true, new BasicProperties { MessageId = $"m{i}", Persistent = true }, Encoding.UTF8.GetBytes($"body {i}"));
            }
        }

        Assert.Equal(3u, await broker.ReadyAsync(old));
        var retired = await RetireAsync(new Dictionary<string, string> { [old] = successor, [$"svc-never-{Guid.NewGuid():N}"] = successor });

        Assert.Equal(3, retired.Moved);
        var moved = new List<(string?, string)>();
        while (await broker.GetAsync(successor) is { } message)
        {
            moved.Add((message.BasicProperties.MessageId, Encoding.UTF8.GetString(message.Body.Span)));
        }

        Assert.Equal([("m0", "body 0"), ("m1", "body 1"), ("m2", "body 2")], moved);
        Assert.False(await ExistsAsync(channel => channel.QueueDeclarePassiveAsync(old)));
        Assert.False(await ExistsAsync(channel => channel.ExchangeDeclarePassiveAsync(old)));

        // Started again (the next deployment): nothing to do.
        Assert.Equal(0, (await RetireAsync(new Dictionary<string, string> { [old] = successor })).Moved);
    }

    private async Task<RetiredQueues> RetireAsync(Dictionary<string, string> successors)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(broker.Node.AmqpUri)));
        var retired = new RetiredQueues(successors, broker.Node.AmqpUri, bus, NullLogger<RetiredQueues>.Instance);
        await retired.StartAsync(CancellationToken.None);
        try
        {
            await retired.Done.WaitAsync(Timeout);
        }
        finally
        {
            await retired.StopAsync(CancellationToken.None);
        }

        return retired;
    }

    private async Task<bool> ExistsAsync(Func<IChannel, Task> declarePassive)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await declarePassive(channel);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return false;
        }
    }

    private Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(broker.Node.AmqpUri) }.CreateConnectionAsync();
}
