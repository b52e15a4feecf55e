using MassTransit;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// What the consume pipeline records in the store's inbox with a consumer's effect, so a redelivered message
/// changes nothing: <c>{consumer}:{messageId}</c>. The consumer is named by its queue (an explicit, stable name
/// such as <c>leads-lead-assigned</c>, never a class name); the message id is the outbox record's id, stable
/// across redeliveries and re-publishes.
/// </summary>
public readonly record struct InboxKey(string MessageId, string Consumer)
{
    public string Id => $"{Consumer}:{MessageId}";

    /// <summary>The key of this delivery: the queue it came from and its MessageId.</summary>
    public static InboxKey For(ConsumeContext context)
    {
        var messageId = context.MessageId ?? throw new InvalidMessageException("The message has no MessageId.");
        return new InboxKey(messageId.ToString("N"), QueueName(context.ReceiveContext.InputAddress));
    }

    /// <summary><c>rabbitmq://host/vhost/leads-lead-assigned</c> or <c>loopback://localhost/leads-lead-assigned</c> → <c>leads-lead-assigned</c>.</summary>
    public static string QueueName(Uri inputAddress)
    {
        var path = inputAddress.AbsolutePath.TrimEnd('/');
        var name = path[(path.LastIndexOf('/') + 1)..];
        return string.IsNullOrEmpty(name) ? throw new InvalidOperationException($"'{inputAddress}' names no queue.") : name;
    }
}
