using System.Text.Json;
using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Email;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Welcome;

/// <summary>
/// Queue <c>messaging-lead-assigned</c>: welcomes a contact when their lead is assigned, by queueing the welcome on
/// the one send path: in the unit of work the consume pipeline commits (with its inbox record) it stores the welcome
/// <see cref="Message"/> <c>queued</c> (template <c>welcome</c>, e-mail, transactional, the lead, the owner rep and
/// team) and publishes its <see cref="MessageQueued"/> with the rep and lead as template variables;
/// <see cref="SendQueuedMessage"/> sends it (erased contact, consent, address, template, contact pressure, the
/// channel). One welcome per lead: a lead that has one (a second assignment, a redelivery under a new id) queues
/// nothing; two deliveries inserting at once collide on the unique index and the loser, retried, finds it.
/// </summary>
public sealed class SendWelcomeOnLeadAssigned(UnitOfWork unit, ILogger<SendWelcomeOnLeadAssigned> logger) : IConsumer<LeadAssigned>
{
    public const string Channel = "email";

    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var assigned = context.Message;
        if (string.IsNullOrWhiteSpace(assigned.LeadId) || string.IsNullOrWhiteSpace(assigned.ContactId))
        {
            throw new InvalidMessageException("LeadAssigned needs a leadId and a contactId.");
        }

        if (await unit.Store.FindAsync(MessageQueries.OfLeadAndTemplate(assigned.LeadId, DefaultTemplates.Welcome), context.CancellationToken) is [_, ..])
        {
            logger.LogInformation("Lead {LeadId} has its welcome already; nothing to queue", assigned.LeadId);
            return;
        }

        QueuedMessages.Queue(
            unit,
            assigned.ContactId,
            assigned.LeadId,
            Channel,
            DefaultTemplates.Welcome,
            TemplateChannels.Transactional,
            variables: WelcomeVariables(assigned),
            ownerRepId: string.IsNullOrWhiteSpace(assigned.RepId) ? null : assigned.RepId,
            ownerTeamId: string.IsNullOrWhiteSpace(assigned.TeamId) ? null : assigned.TeamId,
            dedupeKey: MessageKeys.Welcome(assigned.LeadId));
    }

    /// <summary>The welcome's variables besides the contact's own (read at send time): the rep and the lead as the event names them.</summary>
    internal static Dictionary<string, Dictionary<string, JsonElement>> WelcomeVariables(LeadAssigned assigned) => new(StringComparer.Ordinal)
    {
        ["rep"] = new(StringComparer.Ordinal) { ["id"] = Value(assigned.RepId), ["name"] = Value(assigned.RepName) },
        ["lead"] = new(StringComparer.Ordinal) { ["id"] = Value(assigned.LeadId), ["grade"] = Value(assigned.Grade), ["score"] = Value(assigned.Score) },
    };

    private static JsonElement Value<T>(T value) => JsonSerializer.SerializeToElement(value);
}
