using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Leads.Leads;

/// <summary>Assignment gave the lead to a rep: the lead records its owner (once per message, latest assignment wins).</summary>
public sealed class LeadAssignedConsumer(ILeadStore store, ILogger<LeadAssignedConsumer> logger) : IConsumer<LeadAssigned>
{
    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var inbox = InboxKey.For<LeadAssignedConsumer>(context);
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.LeadId) || string.IsNullOrWhiteSpace(message.RepId))
        {
            throw new InvalidMessageException("LeadAssigned needs a leadId and a repId.");
        }

        var assignedAt = message.OccurredAt.ToUniversalTime();
        assignedAt = assignedAt.AddTicks(-(assignedAt.Ticks % TimeSpan.TicksPerMillisecond));
        var applied = await store.SetOwnerAsync(inbox, message.LeadId, message.RepId, message.RepName ?? "", assignedAt, context.CancellationToken);
        if (!applied)
        {
            logger.LogDebug("LeadAssigned {MessageId} for lead {LeadId} was applied before", inbox.MessageId, message.LeadId);
        }
    }
}
