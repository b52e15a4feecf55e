using Crm.Contacts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>Queue <c>contacts-lead-scored</c>: "Scored 28 (hot)".</summary>
public sealed class LeadScoredConsumer(IContactStore store) : IConsumer<LeadScored>
{
    public async Task Consume(ConsumeContext<LeadScored> context)
    {
        var inbox = InboxKey.For<LeadScoredConsumer>(context);
        await store.AppendTimelineAsync(inbox, TimelineEntries.From(context.Message), context.CancellationToken);
    }
}
