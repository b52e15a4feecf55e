using Crm.Contracts.Contacts;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Contacts;

/// <summary>
/// Messaging's part of a merge (queues <c>messaging-contacts-merged</c> and <c>messaging-contacts-unmerged</c>,
/// <see cref="RekeyOnContactsMerged"/>): the messages of a merged contact — finished ones and claims being sent (the
/// claim keeps its token) — move to the survivor, marked with the merge and the contact they came from; an un-merge moves
/// exactly those back. The send-once key is per lead and template, so it follows the lead. Suppression markers
/// (<see cref="ErasedContact"/>) never move: an erased contact cannot be merged. One set-based update per contact.
/// </summary>
public sealed class MessagingRekeyer : IContactRekeyer
{
    public Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        unit.Add(MessageQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        unit.Add(Conversations.ConversationQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        unit.Add(JourneyQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        return Task.CompletedTask;
    }

    public Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        unit.Add(MessageQueries.MoveBack(mergeId, survivorId, restoredId));
        unit.Add(Conversations.ConversationQueries.MoveBack(mergeId, survivorId, restoredId));
        unit.Add(JourneyQueries.MoveBack(mergeId, survivorId, restoredId));
        return Task.CompletedTask;
    }
}

/// <summary>
/// Queue <c>messaging-contact-erasure-requested</c>: the contact's messages lose what is about the person — the address
/// written to and the subject (it names them); the body is never stored — (<see cref="Message.Erased"/>), a claim being
/// sent at that moment is finished as <c>suppressed</c> (its delivery cannot complete it), the contact is marked erased
/// (<see cref="ErasedContact"/>: no message is sent to them again, whatever event arrives later), and
/// <c>ContactDataErased</c> (service <c>messaging</c>) confirms it, all in the unit the consume pipeline commits with its
/// inbox record. Ids, lead, channel, template, status, times and owner stay (counts stay right). At most
/// <see cref="MaxMessagesPerRequest"/> messages per request, as Leads and Assignment bound theirs; only messages not
/// erased yet are read, so a second request erases the rest. A second delivery (new message id) erases what is left
/// (usually nothing) and confirms again, as Leads and Assignment do.
/// </summary>
public sealed class EraseOnErasureRequested(UnitOfWork unit, ILogger<EraseOnErasureRequested> logger) : IConsumer<ContactErasureRequested>
{
    public const string ServiceName = "messaging";

    /// <summary>Messages anonymised in one unit of work (a welcome per lead: a contact has far fewer).</summary>
    public const int MaxMessagesPerRequest = 1000;

    public async Task Consume(ConsumeContext<ContactErasureRequested> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RequestId))
        {
            throw new InvalidMessageException("ContactErasureRequested needs a contactId and a requestId.");
        }

        var messages = await unit.FindAsync(ContactRecords.MessagesToErase(message.ContactId).Take(MaxMessagesPerRequest), context.CancellationToken);
        foreach (var stored in messages)
        {
            unit.Replace(MessageCollections.Messages, stored.Erased(unit.Now), stored.Version);
        }

        // Conversations: the texts, subjects and addresses of the person's threads (ids, times, status and scores stay).
        var conversations = await unit.FindAsync(ContactRecords.ConversationsToErase(message.ContactId).Take(MaxMessagesPerRequest), context.CancellationToken);
        foreach (var conversation in conversations)
        {
            unit.Replace(Conversations.ConversationCollections.Conversations, conversation.Erased(unit.Now), conversation.Version);
        }

        // A claim inserted after the read above (a welcome being sent right now) is caught at commit.
        unit.Add(MessageQueries.SuppressClaimsOfContact(message.ContactId, unit.Now));
        // The contact's journey enrollments go (their waits with them): nothing more is sent to the person.
        foreach (var enrollment in await unit.FindAsync(JourneyQueries.OfContact(message.ContactId), context.CancellationToken))
        {
            unit.CancelTimer(JourneyRunner.Kind, enrollment.Id);
        }

        unit.Add(JourneyQueries.DeleteOfContact(message.ContactId));
        unit.InsertIfAbsent(MessageCollections.ErasedContacts, new ErasedContact { Id = message.ContactId, RequestId = message.RequestId, ErasedAt = unit.Now });
        unit.Publish(new ContactDataErased
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            ContactId = message.ContactId,
            RequestId = message.RequestId,
            Service = ServiceName,
            Records = messages.Count + conversations.Count,
        });

        if (messages.Count == MaxMessagesPerRequest)
        {
            logger.LogWarning("Erasure {RequestId} of contact {ContactId} anonymised {Count} messages, the most one request does; a further request erases the rest", message.RequestId, message.ContactId, messages.Count);
        }
    }
}
