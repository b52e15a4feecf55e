using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Conversations;

/// <summary>
/// Queue <c>messaging-conversation-owner</c>: keeps the contact's owner (<see cref="ContactOwner"/>: the rep, team and
/// lead of the contact's latest <c>LeadAssigned</c>, by its time; an older one arriving late changes nothing). A new
/// conversation takes its owner from it; existing conversations keep theirs (a team lead moves them:
/// <c>PUT /api/messaging/conversations/{id}/owner</c>).
/// </summary>
public sealed class TrackOwnerOnLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public async Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RepId) || string.IsNullOrWhiteSpace(message.LeadId))
        {
            throw new InvalidMessageException("LeadAssigned needs a contactId, a leadId and a repId.");
        }

        var current = await unit.GetAsync(ConversationCollections.ContactOwners, message.ContactId, context.CancellationToken);
        if (current is not null && current.AssignedAt > message.OccurredAt)
        {
            return;
        }

        var owner = new ContactOwner
        {
            Id = message.ContactId,
            RepId = message.RepId,
            TeamId = string.IsNullOrWhiteSpace(message.TeamId) ? null : message.TeamId,
            LeadId = message.LeadId,
            AssignedAt = message.OccurredAt.TruncateToMs(),
            Version = (current?.Version ?? 0) + 1,
        };
        unit.Save(ConversationCollections.ContactOwners, owner, current);
    }
}
