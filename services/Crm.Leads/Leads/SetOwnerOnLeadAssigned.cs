using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Leads.Leads;

/// <summary>
/// Queue <c>leads-lead-assigned</c>: Assignment gave the lead to a rep, so the lead records its owner and the owner's
/// team (what the ownership rule of <c>GET /api/leads/{id}</c> checks; the latest
/// assignment wins; the consume pipeline applies each message once). An unknown lead throws and is retried: its
/// capture may not be visible yet.
/// </summary>
public sealed class SetOwnerOnLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.LeadId) || string.IsNullOrWhiteSpace(message.RepId))
        {
            throw new InvalidMessageException("LeadAssigned needs a leadId and a repId.");
        }

        var lead = await unit.GetAsync(LeadCollections.Leads, message.LeadId, context.CancellationToken)
            ?? throw LeadNotFoundException.For(message.LeadId);
        if (lead.AssignedTo(message.RepId, message.RepName ?? string.Empty, message.OccurredAt.TruncateToMs(), string.IsNullOrWhiteSpace(message.TeamId) ? null : message.TeamId) is { } assigned)
        {
            unit.Replace(LeadCollections.Leads, assigned, lead.Version);
        }
    }
}
