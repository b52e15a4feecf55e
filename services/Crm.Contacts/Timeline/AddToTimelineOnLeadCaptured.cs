using Crm.Contacts.Erasure;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-captured</c>: "Lead captured from google-ads via web" on the contact's
/// timeline. The consume pipeline applies each message once and commits; the same event under another message id
/// keeps its first entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadCaptured(UnitOfWork unit) : IConsumer<LeadCaptured>
{
    public async Task Consume(ConsumeContext<LeadCaptured> context)
    {
        if (!await ErasureCollections.IsErasedAsync(unit, context.Message.ContactId, context.CancellationToken))
        {
            unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));
        }
    }
}
