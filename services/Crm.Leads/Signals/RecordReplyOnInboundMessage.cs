using Crm.Contracts.Api.Leads;
using Crm.Contracts.Messaging;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Leads.Signals;

/// <summary>
/// Queue <c>leads-inbound-message-received</c>: a contact wrote to us (Messaging's conversations), so their lead records a
/// <c>reply</c> signal (id <c>messaging|inbound:&lt;messageId&gt;</c>: once per inbound message) and is scored again,
/// with <c>InteractionRecorded</c>, exactly as <c>POST /api/leads/signals</c> records one (the same code). The lead is
/// the event's <c>leadId</c>, else the contact's newest open lead; a contact without one records nothing.
/// </summary>
public sealed class RecordReplyOnInboundMessage(UnitOfWork unit, ScoringRules rules, SignalGate gate) : IConsumer<InboundMessageReceived>
{
    /// <summary>The signals' sender scope (signal ids are per sender).</summary>
    public const string Scope = "messaging";

    private static readonly CallerIdentity Messaging = new("messaging", CallerIdentity.KeyKind, "messaging", new HashSet<string>(StringComparer.Ordinal) { "leads:write" });

    public async Task Consume(ConsumeContext<InboundMessageReceived> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.MessageId))
        {
            throw new InvalidMessageException("InboundMessageReceived needs a contactId and a messageId.");
        }

        var lead = message.LeadId is { Length: > 0 } leadId ? await unit.GetAsync(LeadCollections.Leads, leadId, context.CancellationToken) : null;
        if (lead is null || lead.Status != LeadStatus.Open || lead.ContactId != message.ContactId)
        {
            lead = (await unit.FindAsync(LeadQueries.OpenOfContact(message.ContactId).Take(1), context.CancellationToken)) is [var open, ..] ? open : lead;
        }

        if (lead is null)
        {
            return;
        }

        var signal = new SignalRequest { Id = $"inbound:{message.MessageId}", Type = SignalTypes.Reply, LeadId = lead.Id, At = message.OccurredAt };
        await gate.WaitAsync(context.CancellationToken);
        try
        {
            await SignalEndpoints.RecordOnceAsync([signal], Scope, Messaging, unit, await rules.CurrentAsync(context.CancellationToken), context.CancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}
