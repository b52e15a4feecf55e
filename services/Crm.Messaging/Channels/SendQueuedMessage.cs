using Crm.Contacts.Consent;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Channels;

/// <summary>
/// Queue <c>messaging-message-queued</c>: sends a message the send API queued, through the same claim → send → complete
/// path as the welcome (<see cref="SendOnce.ClaimQueuedAsync"/>): the erased-contact check, the contact from Contacts,
/// consent at send time (<see cref="ConsentRules.MaySend"/> with the message's purpose), the address, the template in
/// the contact's locale, the channel (not configured: <c>failed</c> / <c>not-configured</c>), WhatsApp's 24-hour window
/// (<see cref="WhatsAppWindow"/>: outside it only an approved provider template, else <c>failed</c> /
/// <c>whatsapp-window</c>), then the adapter. A refusal for good (4xx) is <c>failed</c> / <c>rejected</c>; a transient
/// failure queues the message again and is retried; an unknown outcome keeps the claim (taken over after its lease).
/// </summary>
public sealed class SendQueuedMessage(
    SendOnce sendOnce,
    UnitOfWork unit,
    IContactDirectory contacts,
    ChannelAdapters channels,
    TemplateRenderer templates,
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
        if (!ConsentRules.MaySend(contact.DoNotContact, contact.ConsentOf(message.Channel), purpose).Allowed)
        {
            Finish(EmailStatus.Suppressed);
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
        if (message.Channel == "whatsapp")
        {
            var window = await unit.GetAsync(ContactChannelCollections.ContactChannels, contact.Id, cancellationToken);
            var lastInbound = window?.LastInboundAt.TryGetValue("whatsapp", out var at) == true ? at : (DateTimeOffset?)null;
            if (!WhatsAppWindow.IsOpen(lastInbound, time.GetUtcNow()))
            {
                if (string.IsNullOrWhiteSpace(render.Template.ProviderTemplate))
                {
                    Finish(EmailStatus.Failed, FailureReasons.WhatsAppWindow, to);
                    return;
                }

                outgoing = outgoing with { ProviderTemplate = render.Template.ProviderTemplate, ProviderLanguage = render.Template.ProviderLanguage };
            }
        }

        ChannelDelivery delivery;
        try
        {
            delivery = await adapter.SendAsync(outgoing, handOver.Token);
        }
        catch (ChannelRejectedException ex)
        {
            logger.LogWarning("Message {MessageId} on {Channel} refused by the provider: {Detail}", message.Id, message.Channel, ex.Message);
            Finish(EmailStatus.Failed, FailureReasons.Rejected, to, rendered.Subject);
            return;
        }

        var sent = message with { To = to, Subject = rendered.Subject, Status = delivery.Status, ProviderMessageId = delivery.ProviderMessageId, SentAt = time.UtcNowMs() };
        SendOnce.Complete(unit, sent, claimToken, [sent.SentEvent()]);
    }
}
