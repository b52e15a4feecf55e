using Crm.Contacts.Erasure;
using Crm.Contacts.Ownership;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-assigned</c>: "Assigned to Anna" on the contact's
/// timeline, and the lead's new owner (rep and team) in the contact's <see cref="ContactOwners"/>, which decides
/// which reps and team leads see the contact. The consume pipeline applies each message once and commits; the same
/// event under another message id keeps its first entry; an older assignment of the same lead changes no owner.
/// The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var message = context.Message;
        if (await ErasureCollections.IsErasedAsync(unit, message.ContactId, context.CancellationToken))
        {
            return;
        }

        unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(message, unit.Now));
        if (string.IsNullOrWhiteSpace(message.RepId))
        {
            return;
        }

        var team = string.IsNullOrWhiteSpace(message.TeamId) ? null : message.TeamId;
        var stored = await unit.GetAsync(OwnershipCollections.Owners, message.ContactId, context.CancellationToken);
        var current = stored ?? new ContactOwners { Id = message.ContactId, Version = 0 };
        if (current.WithAssignment(message.LeadId, message.RepId, team, message.OccurredAt.TruncateToMs()) is not { } changed)
        {
            return;
        }

        if (stored is null)
        {
            // A concurrent first assignment of another lead of this contact fails the commit; the retry reads it.
            unit.Insert(OwnershipCollections.Owners, changed);
        }
        else
        {
            unit.Replace(OwnershipCollections.Owners, changed, stored.Version);
        }
    }
}
