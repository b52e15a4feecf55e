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
/// welcome, which <see cref="Welcome.SendWelcomeOnLeadAssigned"/> queues). Claims the queued message
/// (<see cref="SendOnce.ClaimQueuedAsync"/>), then: an erased contact → <c>suppressed</c>; the contact from Contacts
/// (gRPC, current at send time); consent (<see cref="ContactPressure.ConsentRefusal"/> with the message's purpose) →
/// <c>suppressed</c> with the reason; the address (none: <c>skipped</c> / <c>no-address</c>); the template in the
/// contact's locale (<c>failed</c> / <c>template</c>); the channel (not configured: <c>failed</c> /
/// <c>not-configured</c>); contact pressure (<see cref="PressureGate"/>: the WhatsApp window → <c>failed</c> /
/// <c>whatsapp-window</c>; quiet hours or a frequency cap → <c>delayed</c> with the reason and <c>dueAt</c>, and the
/// durable timer <see cref="QueueDelayedMessage"/> that queues it again then; may go → its place in the contact's
/// budget taken), then the adapter. A refusal for good (4xx) is <c>failed</c> / <c>rejected</c>; a transient failure
/// queues the message again and is retried; an unknown outcome keeps the claim (taken over after its lease).
/// </summary>
public sealed class SendQueuedMessage(
    SendOnce sendOnce,
    UnitOfWork unit,
    IContactDirectory contacts,
    ChannelAdapters channels,
    ConsentFence fence,
    TemplateRenderer templates,
    PressureGate pressure,
    PressurePolicy policy,
    SendingOptions sending,
    TimeProvider time,
    ILogger<SendQueuedMessage> logger) : IConsumer<MessageQueued>
{
    public async Task Consume(ConsumeContext<MessageQueued> context)
    {
        var request = context.Message;
        var claimToken = Ids.New();
        var claim = await sendOnce.ClaimQueuedAsync(request.MessageId, claimToken, sending.ClaimLease, context.CancellationToken);
        switch (claim.Status)
        {
            case ClaimStatus.AlreadyHandled:
                logger.LogInformation("Message {MessageId} was handled before; nothing to send", request.MessageId);
                return;
            case ClaimStatus.Busy:
                throw new Crm.ServiceDefaults.Storage.ConcurrencyException($"Message '{request.MessageId}' is being sent by another delivery.");
        }

        var message = await unit.GetAsync(MessageCollections.Messages, request.MessageId, context.CancellationToken)
                      ?? throw new Crm.ServiceDefaults.Storage.ConcurrencyException($"Message '{request.MessageId}' vanished after its claim.");
        try
        {
            await SendAsync(request, message, claimToken, context.CancellationToken);
        }
        catch (ChannelOutcomeUnknownException)
        {
            throw; // the provider may have it: the claim stays, a retry takes it over after the lease
        }
        catch
        {
            await sendOnce.RequeueAsync(message.Id, claimToken, CancellationToken.None);
            throw;
        }
    }

    private async Task SendAsync(MessageQueued request, Message message, string claimToken, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(sending.Timeout);
        using var handOver = new CancellationTokenSource(sending.Timeout);

        void Finish(string status, string? reason = null, string to = "", string subject = "")
        {
            logger.LogInformation("Message {MessageId} on {Channel} to contact {ContactId}: {Status} {Reason}", message.Id, message.Channel, message.ContactId, status, reason);
            SendOnce.Complete(unit, message with { Status = status, Reason = reason, To = to, Subject = subject, SentAt = time.UtcNowMs() }, claimToken, []);
        }

        if (message.RecipientRepId is not null)
        {
            // To a rep, not the contact (an SLA alert): staff, so no consent, pressure or fence (Alerts/RepAlertDelivery).
            await Alerts.RepAlertDelivery.SendAsync(unit, channels, templates, time, logger, message, request, claimToken, timeout.Token, handOver.Token);
            return;
        }

        if (await unit.GetAsync(MessageCollections.ErasedContacts, message.ContactId, cancellationToken) is not null)
        {
            Finish(EmailStatus.Suppressed);
            return;
        }

        if (await contacts.GetContactAsync(message.ContactId, timeout.Token) is not { } contact)
        {
            Finish(EmailStatus.Failed, FailureReasons.UnknownContact); // Contacts answered: unknown (accepted while it was down)
            return;
        }

        var purpose = message.Purpose == TemplateChannels.Marketing ? SendPurpose.Marketing : SendPurpose.Transactional;
        if (ContactPressure.ConsentRefusal(contact.DoNotContact, contact.ConsentOf(message.Channel), purpose) is { } refused)
        {
            Finish(EmailStatus.Suppressed, refused);
            return;
        }

        var to = message.Channel == "email" ? (contact.Emails.Count > 0 ? contact.Emails[0] : null) : (contact.Phones.Count > 0 ? contact.Phones[0] : null);
        if (string.IsNullOrWhiteSpace(to))
        {
            Finish(EmailStatus.Skipped, FailureReasons.NoAddress);
            return;
        }

        if (message.Channel == "email" && await AddressSuppression.HoldsAsync(unit, contact.Id, to, cancellationToken))
        {
            Finish(EmailStatus.Suppressed, FailureReasons.BouncedAddress, to); // a hard bounce before (AddressSuppressions)
            return;
        }

        var model = TemplateModel.Of(contact);
        var errors = new Crm.ServiceDefaults.Http.ValidationErrors();
        foreach (var (root, member, value) in TemplateEndpoints.ReadVariables(request.Variables?.ToDictionary(), errors))
        {
            model.Set(root, member, value);
        }

        var render = await templates.RenderAsync(message.Template, message.Channel, request.Locale ?? contact.Locale, model, timeout.Token);
        if (render?.Message is not { } rendered)
        {
            logger.LogWarning(
                "Message {MessageId} to contact {ContactId} not sent: template {Template} ({Locale}) {Problem}",
                message.Id,
                contact.Id,
                message.Template,
                render?.Template.Locale ?? request.Locale ?? contact.Locale,
                render is null ? "does not exist for the locale nor the default" : "lacks " + string.Join(", ", render.Missing.Select(m => m.Path)));
            Finish(EmailStatus.Failed, FailureReasons.Template, to);
            return;
        }

        var adapter = channels.Get(message.Channel);
        if (!adapter.IsConfigured)
        {
            Finish(EmailStatus.Failed, FailureReasons.NotConfigured, to, rendered.Subject);
            return;
        }

        var outgoing = new ChannelMessage(message.Id, to, contact.Name, rendered.Subject, rendered.Body);
        DateTimeOffset? lastInbound = null;
        var approvedTemplate = false;
        if (message.Channel == "whatsapp")
        {
            // Outside the window only the template's approved provider template may go (else the pressure rules refuse it).
            var window = await unit.GetAsync(ContactChannelCollections.ContactChannels, contact.Id, cancellationToken);
            lastInbound = window?.LastInboundAt.TryGetValue("whatsapp", out var at) == true ? at : null;
            var open = lastInbound is { } last && time.GetUtcNow() < last + policy.WhatsAppWindow;
            if (!open && !string.IsNullOrWhiteSpace(render.Template.ProviderTemplate))
            {
                approvedTemplate = true;
                outgoing = outgoing with { ProviderTemplate = render.Template.ProviderTemplate, ProviderLanguage = render.Template.ProviderLanguage };
            }
        }

        var decision = await pressure.DecideAndReserveAsync(new PressureQuestion(message.Id, contact, message.Channel, purpose, lastInbound, approvedTemplate), cancellationToken);
        switch (decision)
        {
            case { Outcome: PressureOutcome.Block, Reason: PressureReasons.WhatsAppWindow }:
                Finish(EmailStatus.Failed, FailureReasons.WhatsAppWindow, to);
                return;
            case { Outcome: PressureOutcome.Block }:
                Finish(EmailStatus.Suppressed, decision.Reason);
                return;
            case { Outcome: PressureOutcome.Delay, Until: { } until }:
                // Never dropped: a timer queues it again when due, and it is decided again from scratch then.
                logger.LogInformation("Message {MessageId} on {Channel} to contact {ContactId} delayed until {DueAt}: {Reason}", message.Id, message.Channel, message.ContactId, until, decision.Reason);
                SendOnce.Complete(unit, message with { Status = EmailStatus.Delayed, Reason = decision.Reason, DueAt = until, SentAt = time.UtcNowMs() }, claimToken, []);
                unit.Schedule(QueueDelayedMessage.TimerKind, message.Id, until, request);
                return;
        }

        // The one place a message is handed to a channel, behind Contacts' consent fence: a withdrawal commits only after
        // this hand-off (cancelled before the hold expires).
        await using var hold = await fence.BeginAsync(message, cancellationToken);
        if (!hold.Allowed)
        {
            Finish(EmailStatus.Suppressed, hold.Reason, to);
            return;
        }

        ChannelDelivery delivery;
        try
        {
            delivery = await adapter.SendAsync(outgoing, hold.Token(handOver.Token));
        }
        catch (ChannelRejectedException ex)
        {
            logger.LogWarning("Message {MessageId} on {Channel} refused by the provider: {Detail}", message.Id, message.Channel, ex.Message);
            Finish(EmailStatus.Failed, FailureReasons.Rejected, to, rendered.Subject);
            return;
        }

        var sent = message with { To = to, Subject = rendered.Subject, Status = delivery.Status, Reason = null, DueAt = null, ProviderMessageId = delivery.ProviderMessageId, SentAt = time.UtcNowMs() };
        SendOnce.Complete(unit, sent, claimToken, [sent.SentEvent()]);
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
