using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Alerts;

/// <summary>
/// The send path's branch for a message to a rep (<see cref="Message.RecipientRepId"/>: an SLA alert), called by
/// <see cref="SendBatch"/> on a claimed message; it answers the message as finished (the batch completes it with the
/// delivery, guarded by the claim, with no event). Reps are staff, not contacts: no consent, contact pressure or
/// consent fence; the address is the rep's in the <see cref="RepDirectoryEntry"/> (none, or the rep unknown:
/// <c>skipped</c> / <c>no-address</c>); the template is rendered with the recipient as <c>rep</c> and the queued
/// variables; then the channel's adapter, with the send path's failure contract (a refusal is <c>failed</c> /
/// <c>rejected</c>; a transient failure throws and is retried). No <see cref="MessageSent"/>: that event is a message to
/// the contact (timelines, counters and journeys follow it).
/// </summary>
public static class RepAlertDelivery
{
    public static async Task<Message> SendAsync(
        UnitOfWork unit,
        ChannelAdapters channels,
        TemplateRenderer templates,
        TimeProvider time,
        ILogger logger,
        Message message,
        MessageQueued request,
        CancellationToken timeout,
        CancellationToken handOver)
    {
        Message Finish(string status, string? reason, string to = "", string subject = "", string? providerMessageId = null)
        {
            logger.LogInformation("Alert {MessageId} on {Channel} to rep {RepId}: {Status} {Reason}", message.Id, message.Channel, message.RecipientRepId, status, reason);
            return message with { Status = status, Reason = reason, To = to, Subject = subject, ProviderMessageId = providerMessageId, DueAt = null, SentAt = time.UtcNowMs() };
        }

        var rep = await unit.GetAsync(AlertCollections.Reps, message.RecipientRepId!, timeout);
        if (rep?.AddressOn(message.Channel) is not { Length: > 0 } to)
        {
            return Finish(EmailStatus.Skipped, FailureReasons.NoAddress);
        }

        var model = new TemplateModel();
        foreach (var (root, member, value) in TemplateEndpoints.ReadVariables(request.Variables?.ToDictionary(), new Crm.ServiceDefaults.Http.ValidationErrors()))
        {
            model.Set(root, member, value);
        }

        model.Set("rep", "id", rep.Id).Set("rep", "name", rep.Name);
        var render = await templates.RenderAsync(message.Template, message.Channel, request.Locale, model, timeout);
        if (render?.Message is not { } rendered)
        {
            logger.LogWarning("Alert {MessageId} to rep {RepId} not sent: template {Template} missing or lacking values", message.Id, rep.Id, message.Template);
            return Finish(EmailStatus.Failed, FailureReasons.Template, to);
        }

        var adapter = channels.Get(message.Channel);
        if (!adapter.IsConfigured)
        {
            return Finish(EmailStatus.Failed, FailureReasons.NotConfigured, to, rendered.Subject);
        }

        ChannelDelivery delivery;
        try
        {
            delivery = await adapter.SendAsync(new ChannelMessage(message.Id, to, rep.Name, rendered.Subject, rendered.Body), handOver);
        }
        catch (ChannelRejectedException ex)
        {
            logger.LogWarning("Alert {MessageId} on {Channel} refused by the provider: {Detail}", message.Id, message.Channel, ex.Message);
            return Finish(EmailStatus.Failed, FailureReasons.Rejected, to, rendered.Subject);
        }

        return Finish(delivery.Status, null, to, rendered.Subject, delivery.ProviderMessageId);
    }
}
