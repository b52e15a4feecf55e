using Crm.Contacts.Contacts;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>Queue <c>contacts-message-sent</c>: "E-mail 'welcome' sent to a@b.c".</summary>
public sealed class MessageSentConsumer(IContactStore store) : IConsumer<MessageSent>
{
    public async Task Consume(ConsumeContext<MessageSent> context)
    {
        var inbox = InboxKey.For<MessageSentConsumer>(context);
        await store.AppendTimelineAsync(inbox, TimelineEntries.From(context.Message), context.CancellationToken);
    }
}
