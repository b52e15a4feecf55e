using MassTransit;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// What a consumer records in its store's inbox in the same transaction as its effect, so a redelivered message
/// changes nothing. The message id is the outbox record's id, stable across redeliveries and re-publishes.
/// </summary>
public readonly record struct InboxKey(string MessageId, string Consumer)
{
    public string Id => $"{Consumer}:{MessageId}";

    public static InboxKey For<TConsumer>(ConsumeContext context)
    {
        var messageId = context.MessageId ?? throw new InvalidMessageException("The message has no MessageId.");
        return new InboxKey(messageId.ToString("N"), typeof(TConsumer).Name);
    }
}
