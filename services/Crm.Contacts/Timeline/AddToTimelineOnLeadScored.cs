using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-scored</c>: "Scored 28 (hot)" on the contact's
/// timeline. The consume pipeline applies each message once and commits; the same event under another message id
/// keeps its first entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadScored(UnitOfWork unit) : IConsumer<LeadScored>
{
    public Task Consume(ConsumeContext<LeadScored> context)
    {
        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));
        return Task.CompletedTask;
    }
}
