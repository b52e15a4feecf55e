using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Email;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Welcome;

/// <summary>
/// Queue <c>messaging-lead-assigned</c>: welcomes a contact when their lead is assigned, as the editable journey
/// <c>welcome</c> says (<see cref="DefaultJourneys.Welcome"/>: stored through the journeys API, else the default — a
/// template per capture channel / source, <c>welcome</c> the fallback). Run at once here, not by the step timers: the
/// journey active and its trigger conditions met, its branches are followed over the event's fields to the first send
/// step (<see cref="JourneyRules.FirstSend"/>), and that message is queued on the one send path in the unit of work the
/// consume pipeline commits (with its inbox record): stored <c>queued</c> (its template and channel, transactional —
/// it answers the person's own enquiry —, the lead, the owner rep and team) with its <see cref="MessageQueued"/> carrying the event's lead and rep as
/// template variables (<see cref="JourneyVariables"/>); <see cref="SendQueuedMessage"/> sends it (erased contact, consent,
/// address, template, contact pressure, the channel). One welcome per lead (dedupe key <c>welcome:{leadId}</c>, whatever
/// its template): a lead that has one (a second assignment, a redelivery under a new id) queues nothing; two deliveries
/// inserting at once collide on the unique index and the loser, retried, finds it.
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

        var key = MessageKeys.Welcome(assigned.LeadId);
        if (await unit.Store.FindAsync(MessageQueries.OfDedupeKey(key), context.CancellationToken) is [_, ..]
            || (await unit.Store.FindAsync(MessageQueries.OfLeadAndTemplate(assigned.LeadId, DefaultTemplates.Welcome), context.CancellationToken)).Any(m => m.DedupeKey is null))
        {
            logger.LogInformation("Lead {LeadId} has its welcome already; nothing to queue", assigned.LeadId);
            return;
        }

        var journey = await JourneyCatalog.CurrentAsync(unit, DefaultJourneys.Welcome, context.CancellationToken);
        var fact = JourneyEvents.FactsOf(assigned)[0];
        if (journey is not { Active: true } || journey.TriggerEvent != nameof(LeadAssigned) || !JourneyRules.Matches(journey.Conditions, fact.Fields)
            || JourneyRules.FirstSend(journey, fact.Fields) is not { Template: { } template } step)
        {
            logger.LogInformation("Lead {LeadId}: the welcome journey (v{Version}) sends nothing for it", assigned.LeadId, journey?.Version);
            return;
        }

        var channel = step.Channel ?? Channel;
        var (ownerRepId, ownerTeamId) = JourneyVariables.OwnerOf(nameof(LeadAssigned), fact.Fields);
        var rep = await unit.GetAsync(Crm.Messaging.Alerts.AlertCollections.Reps, assigned.RepId, context.CancellationToken);
        QueuedMessages.Queue(
            unit,
            assigned.ContactId,
            assigned.LeadId,
            channel,
            template,
            TemplateChannels.Transactional,
            variables: JourneyVariables.Of(nameof(LeadAssigned), fact.Fields, rep),
            ownerRepId: ownerRepId,
            ownerTeamId: ownerTeamId,
            dedupeKey: key);
    }
}
