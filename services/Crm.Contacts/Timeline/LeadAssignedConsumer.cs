using Crm.Contacts.Contacts;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>Queue <c>contacts-lead-assigned</c>: "Assigned to Anna".</summary>
public sealed class LeadAssignedConsumer(IContactStore store) : IConsumer<LeadAssigned>
{
    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var inbox = InboxKey.For<LeadAssignedConsumer>(context);
        await store.AppendTimelineAsync(inbox, TimelineEntries.From(context.Message), context.CancellationToken);
    }
}
