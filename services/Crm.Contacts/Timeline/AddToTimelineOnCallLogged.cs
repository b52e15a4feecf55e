using Crm.Contacts.Erasure;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-call-logged</c>: "Outbound call, answered, 2 min 5 s" on the contact's timeline (a call logged in
/// Messaging, <c>POST /api/messaging/calls</c>), at the call's start. The consume pipeline applies each message once; the
/// same event under another message id keeps its first entry. An erased contact gets nothing. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnCallLogged(UnitOfWork unit) : IConsumer<CallLogged>
{
    public async Task Consume(ConsumeContext<CallLogged> context)
    {
        if (await ErasureCollections.IsErasedAsync(unit, context.Message.ContactId, context.CancellationToken))
        {
            return;
        }

        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));
    }
}
