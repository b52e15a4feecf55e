using Crm.Contacts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>Queue <c>contacts-lead-captured</c>: "Lead captured from ... via ..." on the contact's timeline.</summary>
public sealed class LeadCapturedConsumer(IContactStore store) : IConsumer<LeadCaptured>
{
    public async Task Consume(ConsumeContext<LeadCaptured> context)
    {
        var inbox = InboxKey.For<LeadCapturedConsumer>(context);
        await store.AppendTimelineAsync(inbox, TimelineEntries.From(context.Message), context.CancellationToken);
    }
}
