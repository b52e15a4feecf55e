using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Crm.Benchmarks;

/// <summary>
/// A consumer of one event type beside the services': a server-named, exclusive, auto-deleted queue bound to the
/// event's exchange (MassTransit names it <c>Namespace:Type</c>), recording when each lead's first event arrived
/// (<see cref="Stopwatch"/> ticks of this process, so that it compares with the times requests were sent).
/// </summary>
public sealed class EventListener : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private EventListener(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Key (the lead id by default) → arrival of its first event (Stopwatch ticks).</summary>
    public ConcurrentDictionary<string, long> Arrived { get; } = new(StringComparer.Ordinal);

    public static Task<EventListener> StartAsync(Uri amqp, string exchange) =>
        StartAsync(amqp, exchange, message => message.TryGetProperty("leadId", out var lead) ? lead.GetString() : null);

    /// <summary>A listener that records each event under the key <paramref name="keyOf"/> reads from the message (null: not recorded).</summary>
    public static async Task<EventListener> StartAsync(Uri amqp, string exchange, Func<JsonElement, string?> keyOf)
    {
        var factory = new ConnectionFactory { Uri = amqp, ClientProvidedName = "crm-benchmark-listener" };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var listener = new EventListener(connection, channel);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        // MassTransit declares an event's exchange (fanout, durable) at its first publish: declared the same way here, so a
        // listener may start before anything was published.
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, string.Empty);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var at = Stopwatch.GetTimestamp();
            using var envelope = JsonDocument.Parse(delivery.Body);
            if (envelope.RootElement.TryGetProperty("message", out var message) && keyOf(message) is { } id)
            {
                listener.Arrived.TryAdd(id, at);
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
