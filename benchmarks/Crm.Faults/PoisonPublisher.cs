using System.Text;
using RabbitMQ.Client;

namespace Crm.Faults;

/// <summary>
/// The <c>poison</c> fault: raw messages published straight to service queues (default exchange, routing key = the
/// queue) through RabbitMQ.Client, in turn of three kinds: a body that is not JSON; a MassTransit envelope naming a
/// message type no consumer knows (both to Messaging's, Leads' and Analytics' <c>lead-assigned</c> queues in turn);
/// and a well-formed <c>LeadAssigned</c> envelope without ids, which the handlers of Messaging and Leads always reject
/// (<c>InvalidMessageException</c>, not retried). Each must end dead-lettered
/// (a <c>faulted</c> dead letter, or <c>skipped</c> for the unknown type, kept by the service) without slowing the healthy captures down.
/// </summary>
public static class PoisonPublisher
{
    /// <summary>The queues poison goes to (a consumer queue of each service that consumes <c>LeadAssigned</c>).</summary>
    public static readonly IReadOnlyList<string> Queues = ["messaging-lead-assigned", "leads-lead-assigned", "analytics-lead-assigned"];

    /// <summary>
    /// The queues whose handler rejects a <c>LeadAssigned</c> without ids (<c>InvalidMessageException</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> Rejecting = ["messaging-lead-assigned", "leads-lead-assigned", "analytics-lead-assigned"];

    /// <summary>
    /// Publishes poison at <paramref name="perSecond"/> until <paramref name="until"/> completes (at least three, one of
    /// each kind); returns how many should end as faulted dead letters and how many as skipped ones (the unknown type).
    /// </summary>
    public static async Task<(int ToError, int ToSkipped)> RunAsync(Uri amqp, double perSecond, Task until)
    {
        var factory = new ConnectionFactory { Uri = amqp, ClientProvidedName = "crm-fault-suite-poison" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var sent = 0;
        while (sent < 3 || !until.IsCompleted)
        {
            await PublishAsync(channel, sent);
            sent++;
            await Task.WhenAny(until, Task.Delay(interval));
            if (until.IsCompleted && sent >= 3)
            {
                break;
            }
        }

        // Kinds 0 and 2 end as faulted dead letters, kind 1 as skipped.
        var skipped = (sent + 1) / 3;
        return (sent - skipped, skipped);
    }

    private static async Task PublishAsync(IChannel channel, int n)
    {
        var kind = n % 3;
        var queue = kind == 2 ? Rejecting[n / 3 % Rejecting.Count] : Queues[n / 3 % Queues.Count];
        var messageId = Guid.NewGuid().ToString();
        var (contentType, body) = kind switch
        {
            0 => ("application/json", "this is not JSON {"),
            1 => ("application/vnd.masstransit+json", Envelope(messageId, "urn:message:Crm.Contracts.Nowhere:UnknownEvent", """{"anything":1}""")),
            _ => ("application/vnd.masstransit+json", Envelope(
                messageId,
                "urn:message:Crm.Contracts.Assignment:LeadAssigned",
                $$"""{"eventId":"{{Guid.NewGuid()}}","occurredAt":"{{DateTimeOffset.UtcNow:O}}","leadId":"","contactId":"","repId":"","repName":""}""")),
        };
        var properties = new BasicProperties { ContentType = contentType, MessageId = messageId, Persistent = true };
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    private static string Envelope(string messageId, string messageType, string message) =>
        $$"""{"messageId":"{{messageId}}","messageType":["{{messageType}}"],"message":{{message}},"sentTime":"{{DateTimeOffset.UtcNow:O}}","headers":{ } }""";
}
