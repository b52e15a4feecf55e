using Crm.Contacts.Consent;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Channels;

/// <summary>
/// Queue <c>messaging-message-queued</c>: the one send path of every message Messaging sends (the send API's and the
/// welcome, which <see cref="Welcome.SendWelcomeOnLeadAssigned"/> queues). Each delivery hands its message to
/// <see cref="SendBatcher"/>, which sends it with the others that are waiting (<see cref="SendBatch"/>: one claim, one
/// Contacts look-up, one budget commit and one fence call for the batch, the provider calls in parallel), and collects
/// what was decided for it into this delivery's unit of work: its completion (guarded by the claim) with
/// <c>MessageSent</c>, or a delay and its timer (<see cref="QueueDelayedMessage"/>), committed with the inbox record. A
/// message handled before changes nothing; one another delivery is sending is retried; a transient failure (queued again
/// by the batch) is retried by MassTransit; an unknown outcome keeps the claim (taken over after its lease).
/// </summary>
public sealed class SendQueuedMessage(SendBatcher batcher, UnitOfWork unit, ILogger<SendQueuedMessage> logger) : IConsumer<MessageQueued>
{
    public async Task Consume(ConsumeContext<MessageQueued> context)
    {
        // Not cancelled with the delivery: what the batch hands over is recorded (the batch has its own timeout).
        var outcome = await batcher.SendAsync(context.Message);
        outcome.CollectInto(unit, logger);
    }
}

/// <summary>
/// Timer <see cref="TimerKind"/> (key: the message id, payload: its <see cref="MessageQueued"/>): a <c>delayed</c> message's
/// time came. It is <c>queued</c> again and its <see cref="MessageQueued"/> published anew (with the variables it was
/// queued with), in the timer's unit of work, so <see cref="SendQueuedMessage"/> decides it again from scratch:
/// consent, the budget and the WhatsApp window as they are now. A message no longer delayed (erased meanwhile) is left.
/// </summary>
public sealed class QueueDelayedMessage(TimeProvider time) : ITimerHandler
{
    /// <summary>The timer kind of a delayed message (key: its id).</summary>
    public const string TimerKind = "message-due";

    public string Kind => TimerKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var message = await unit.GetAsync(MessageCollections.Messages, timer.Key, cancellationToken);
        if (message is not { Status: EmailStatus.Delayed })
        {
            return;
        }

        var queued = timer.PayloadAs<MessageQueued>();
        unit.Add(MessageQueries.RequeueDelayed(message.Id, message.Version));
        unit.Publish(new MessageQueued
        {
            EventId = Ids.NewGuid(),
            OccurredAt = time.UtcNowMs(),
            MessageId = message.Id,
            ContactId = message.ContactId,
            LeadId = message.LeadId,
            Channel = message.Channel,
            Template = message.Template,
            Locale = queued?.Locale,
            Variables = queued?.Variables,
        });
    }
}
