using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-message-sent</c>: "E-mail 'welcome' sent to a@b.c" on the contact's
/// timeline. The consume pipeline applies each message once and commits; the same event under another message id
/// keeps its first entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnMessageSent(UnitOfWork unit) : IConsumer<MessageSent>
{
    public Task Consume(ConsumeContext<MessageSent> context)
    {
        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));
        return Task.CompletedTask;
    }
}
