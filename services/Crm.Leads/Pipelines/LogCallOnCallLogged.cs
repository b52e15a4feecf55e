using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Contracts.Messaging;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Leads.Pipelines;

/// <summary>
/// Queue <c>leads-call-logged</c>: a call the telephony system logged in Messaging (<c>POST /api/messaging/calls</c>)
/// about a lead becomes the lead's <c>call</c> activity (what the default pipeline's "first call logged" counts), with
/// <c>LeadActivityLogged</c>, exactly as <c>POST /api/leads/{id}/activities</c> would. The activity's id is the call's
/// message id, so the same call is never logged twice. A call without a lead, or about a lead Leads does not know, is
/// ignored (it stays in Messaging's history).
/// </summary>
public sealed class LogCallOnCallLogged(UnitOfWork unit, ILogger<LogCallOnCallLogged> logger) : IConsumer<CallLogged>
{
    public async Task Consume(ConsumeContext<CallLogged> context)
    {
        var call = context.Message;
        if (string.IsNullOrWhiteSpace(call.LeadId) || string.IsNullOrWhiteSpace(call.MessageId))
        {
            return;
        }

        var lead = await unit.GetAsync(LeadCollections.Leads, call.LeadId, context.CancellationToken);
        if (lead is null)
        {
            logger.LogWarning("Call {MessageId} names lead {LeadId}, which Leads does not know: not logged on a lead", call.MessageId, call.LeadId);
            return;
        }

        if (lead.Activities.Any(a => a.Id == call.MessageId))
        {
            return;
        }

        var activity = new LeadActivity
        {
            Id = call.MessageId,
            Type = "call",
            At = call.StartedAt.ToUniversalTime().TruncateToMs(),
            Note = $"{call.Direction} call, {call.Outcome}, {call.DurationSeconds} s (telephony call {call.ProviderCallId})",
            By = new Actor { Kind = Actor.SystemKind, Id = "messaging", Name = "Telephony (Messaging)" },
        };
        var (changed, logged) = lead.WithActivity(activity, unit.Now);
        unit.Replace(LeadCollections.Leads, changed, lead.Version);
        unit.Publish(logged);
    }
}
