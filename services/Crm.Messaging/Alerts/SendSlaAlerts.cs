using System.Globalization;
using System.Text.Json;
using Crm.Contracts.Assignment;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Alerts;

/// <summary>
/// Queue <c>messaging-sla-alerts</c>: Assignment's SLA events become alerts to staff, queued on the one send path
/// (<see cref="QueuedMessages.Queue"/>, e-mail, transactional, addressed to a rep: <see cref="Message.RecipientRepId"/>):
/// <see cref="SlaWarning"/> to the owning rep, <see cref="SlaBreached"/> to the owning rep and the team lead the event
/// names (not twice when the owner leads the team). Once per SLA clock, kind and recipient (the dedupe key
/// <see cref="DedupeKey"/>: a redelivery, or the event published again, queues nothing).
/// </summary>
public sealed class SendSlaAlerts(UnitOfWork unit, ILogger<SendSlaAlerts> logger) : IConsumer<SlaWarning>, IConsumer<SlaBreached>
{
    public const string Channel = "email";

    public async Task Consume(ConsumeContext<SlaWarning> context)
    {
        var e = context.Message;
        Check(e.LeadId, e.ContactId, e.RepId, e.Sla);
        var owner = await unit.GetAsync(AlertCollections.Reps, e.RepId, context.CancellationToken);
        var lead = LeadVariables(e.LeadId, e.Grade, e.Sla, owner?.Name ?? e.RepId);
        lead["due_at"] = Value(e.BreachAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        await QueueAsync(AlertTemplates.SlaWarning, e.LeadId, e.ContactId, e.RepId, e.TeamId, e.Sla, e.StartedAt, e.RepId, lead, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<SlaBreached> context)
    {
        var e = context.Message;
        Check(e.LeadId, e.ContactId, e.RepId, e.Sla);
        var owner = await unit.GetAsync(AlertCollections.Reps, e.RepId, context.CancellationToken);
        var lead = LeadVariables(e.LeadId, e.Grade, e.Sla, owner?.Name ?? e.RepId);
        lead["target"] = Value(e.Target.ToString("c", CultureInfo.InvariantCulture));
        await QueueAsync(AlertTemplates.SlaBreached, e.LeadId, e.ContactId, e.RepId, e.TeamId, e.Sla, e.StartedAt, e.RepId, lead, context.CancellationToken);
        if (!string.IsNullOrWhiteSpace(e.TeamLeadRepId) && e.TeamLeadRepId != e.RepId)
        {
            await QueueAsync(AlertTemplates.SlaBreached, e.LeadId, e.ContactId, e.RepId, e.TeamId, e.Sla, e.StartedAt, e.TeamLeadRepId, lead, context.CancellationToken);
        }
    }

    /// <summary>One alert per SLA clock (lead, SLA, start), kind and recipient.</summary>
    public static string DedupeKey(string leadId, string sla, DateTimeOffset startedAt, string template, string recipientRepId) =>
        $"sla-alert:{leadId}:{sla}:{startedAt.UtcTicks / TimeSpan.TicksPerMillisecond}:{template}:{recipientRepId}";

    private async Task QueueAsync(
        string template,
        string leadId,
        string contactId,
        string ownerRepId,
        string? teamId,
        string sla,
        DateTimeOffset startedAt,
        string recipientRepId,
        Dictionary<string, JsonElement> lead,
        CancellationToken cancellationToken)
    {
        var key = DedupeKey(leadId, sla, startedAt, template, recipientRepId);
        if (await unit.Store.FindAsync(MessageQueries.OfDedupeKey(key), cancellationToken) is [_, ..])
        {
            logger.LogInformation("SLA alert {DedupeKey} was queued before; nothing to queue", key);
            return;
        }

        QueuedMessages.Queue(
            unit,
            contactId,
            leadId,
            Channel,
            template,
            TemplateChannels.Transactional,
            variables: new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal) { ["lead"] = lead },
            ownerRepId: ownerRepId,
            ownerTeamId: string.IsNullOrWhiteSpace(teamId) ? null : teamId,
            dedupeKey: key,
            recipientRepId: recipientRepId);
    }

    private static void Check(string leadId, string contactId, string repId, string sla)
    {
        if (string.IsNullOrWhiteSpace(leadId) || string.IsNullOrWhiteSpace(contactId) || string.IsNullOrWhiteSpace(repId) || string.IsNullOrWhiteSpace(sla))
        {
            throw new InvalidMessageException("An SLA event needs a leadId, a contactId, a repId and an sla.");
        }
    }

    private static Dictionary<string, JsonElement> LeadVariables(string leadId, string? grade, string sla, string owner) => new(StringComparer.Ordinal)
    {
        ["id"] = Value(leadId),
        ["grade"] = Value(grade),
        ["sla"] = Value(sla),
        ["owner"] = Value(owner),
    };

    private static JsonElement Value<T>(T value) => JsonSerializer.SerializeToElement(value);
}
