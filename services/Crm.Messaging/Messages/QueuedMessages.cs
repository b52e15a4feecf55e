using Crm.Contracts.Messaging;
using Crm.Messaging.Email;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>
/// Queues a message the way the send API does: the message stored <c>queued</c> and <see cref="MessageQueued"/> published
/// in <paramref name="unit"/>, so <c>SendQueuedMessage</c> sends it (consent, address, pressure and template at send time).
/// The one way a message is queued: the send API, conversation replies and surveys, journeys (the welcome adds its dedupe key).
/// </summary>
public static class QueuedMessages
{
    public static Message Queue(
        UnitOfWork unit,
        string contactId,
        string? leadId,
        string channel,
        string template,
        string? purpose,
        string? locale = null,
        IReadOnlyDictionary<string, Dictionary<string, System.Text.Json.JsonElement>>? variables = null,
        string? ownerRepId = null,
        string? ownerTeamId = null,
        string? dedupeKey = null,
        string? recipientRepId = null)
    {
        var message = new Message
        {
            Id = Ids.New(),
            ContactId = contactId,
            LeadId = leadId,
            DedupeKey = dedupeKey,
            Channel = channel,
            Template = template,
            To = string.Empty,
            Subject = string.Empty,
            Status = EmailStatus.Queued,
            SentAt = unit.Now,
            Purpose = purpose ?? TemplateChannels.Transactional,
            OwnerRepId = ownerRepId,
            OwnerTeamId = ownerTeamId,
            RecipientRepId = recipientRepId,
        };
        unit.Insert(MessageCollections.Messages, message);
        unit.Publish(new MessageQueued
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            MessageId = message.Id,
            ContactId = message.ContactId,
            LeadId = message.LeadId,
            Channel = message.Channel,
            Template = message.Template,
            Locale = locale,
            Variables = variables,
        });
        return message;
    }
}
