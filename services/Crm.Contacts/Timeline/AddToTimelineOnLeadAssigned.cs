using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-assigned</c>: "Assigned to Anna" on the contact's
/// timeline. The consume pipeline applies each message once and commits; the same event under another message id
/// keeps its first entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public Task Consume(ConsumeContext<LeadAssigned> context)
    {
        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(context.Message, unit.Now));
        return Task.CompletedTask;
    }
}
