using Crm.Contacts.Erasure;
using Crm.Contacts.Orders;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-message-sent</c>: "E-mail 'welcome' sent to a@b.c" on the contact's
/// timeline, and the last message in their behavioural summary. The consume pipeline applies each message once and commits; the same event under another message id
/// keeps its first entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnMessageSent(UnitOfWork unit) : IConsumer<MessageSent>
{
    public async Task Consume(ConsumeContext<MessageSent> context)
    {
        if (await ErasureCollections.IsErasedAsync(unit, context.Message.ContactId, context.CancellationToken))
        {
            return;
        }

        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));

        // The behavioural summary's last message (an older one than the last known changes nothing).
        var current = await unit.GetAsync(OrderCollections.Summaries, context.Message.ContactId, context.CancellationToken);
        var after = (current ?? CustomerSummary.Empty(context.Message.ContactId)).WithMessage(context.Message.OccurredAt.TruncateToMs());
        if (after != current)
        {
            Loyalty.Save(unit, current, after, await Loyalty.RulesAsync(unit, context.CancellationToken));
        }
    }
}
