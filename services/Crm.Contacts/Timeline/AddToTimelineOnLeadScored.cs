using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-scored</c>: "Scored 28 (hot)" on the contact's timeline for a lead's first score and for every
/// change of its grade; a score that moves within its grade (each page view of a visit) is not a timeline event. The
/// consume pipeline applies each message once and commits; the same event under another message id keeps its first
/// entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadScored(UnitOfWork unit) : IConsumer<LeadScored>
{
    public Task Consume(ConsumeContext<LeadScored> context)
    {
        var message = context.Message;
        if (message.PreviousGrade is null || !string.Equals(message.PreviousGrade, message.Grade, StringComparison.Ordinal))
        {
            unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(message, unit.Now));
        }

        return Task.CompletedTask;
    }
}
