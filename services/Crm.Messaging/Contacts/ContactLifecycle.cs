using Crm.Contracts.Contacts;
using Crm.Messaging.Channels;
using Crm.Messaging.Conversations;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Contacts;

/// <summary>
/// Messaging's part of a merge (queues <c>messaging-contacts-merged</c> and <c>messaging-contacts-unmerged</c>,
/// <see cref="RekeyOnContactsMerged"/>): everything kept per contact moves to the survivor, in the consume pipeline's unit
/// of work. The messages of a merged contact — finished ones and claims being sent (the claim keeps its token) —, its
/// conversations and its journey enrollments move, marked with the merge and the contact they came from (one set-based
/// update per contact and collection); an un-merge moves exactly those back. Its contact-pressure budget is added to the
/// survivor's (<see cref="ContactMerges.Budget"/>: the person keeps the sends of the period, no fresh budget), the later
/// owner (<c>contact_owners</c>) and the later inbound time per channel (<c>contact_channels</c>) become the survivor's,
/// and of two enrollments running in one journey the less advanced stops (<see cref="ContactMerges.Redundant"/>, reason
/// <c>merged</c>, its timer cancelled: no double messages). Each write is guarded by the version read and applied again
/// changes nothing (a redelivery). Suppression markers (<see cref="ErasedContact"/>) never move: an erased contact cannot
/// be merged. Contacts' consent fence holds live in Contacts, not here.
/// </summary>
public sealed class MessagingRekeyer(PressurePolicy policy) : IContactRekeyer
{
    // What this unit wrote already: a merge of several contacts into one writes the survivor's documents once per merged
    // contact, each write guarded by the version the previous one left.
    private readonly Dictionary<string, PressureLedger?> _ledgers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContactOwner?> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContactChannel?> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JourneyEnrollment>> _active = new(StringComparer.Ordinal);
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    public async Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        Begin($"merge:{mergeId}:{mergedId}");
        // Journeys first: the stops are guarded by the versions read, before the moves below change them.
        var survivorActive = _active.TryGetValue(survivorId, out var known) ? known : [.. await unit.FindAsync(JourneyQueries.ActiveOfContact(survivorId), cancellationToken)];
        var mergedActive = await unit.FindAsync(JourneyQueries.ActiveOfContact(mergedId), cancellationToken);
        var redundant = ContactMerges.Redundant([.. survivorActive, .. mergedActive]).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var enrollment in survivorActive.Concat(mergedActive).Where(e => redundant.Contains(e.Id)))
        {
            JourneyRunner.End(unit, enrollment, EnrollmentStatus.Stopped, JourneyStops.Merged);
        }

        _active[survivorId] =
        [
            .. survivorActive.Where(e => !redundant.Contains(e.Id)),
            .. mergedActive.Where(e => !redundant.Contains(e.Id)).Select(e => e with { ContactId = survivorId, MergedFromContactId = mergedId, MergeId = mergeId, Version = e.Version + 1 }),
        ];

        unit.Add(MessageQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        unit.Add(ConversationQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        unit.Add(JourneyQueries.MoveToSurvivor(mergeId, mergedId, survivorId));

        // The budget: both people's sends of the period count for the survivor.
        var ledger = await KnownAsync(_ledgers, PressureCollections.Ledgers, unit, survivorId, cancellationToken);
        if (await unit.GetAsync(PressureCollections.Ledgers, mergedId, cancellationToken) is { Sends.Count: > 0 } mergedLedger)
        {
            var sends = ContactMerges.Budget(ledger?.Sends ?? [], mergedLedger.Sends, unit.Now, policy);
            if (ledger is null || !sends.SequenceEqual(ledger.Sends))
            {
                var next = new PressureLedger { Id = survivorId, Sends = sends, Version = (ledger?.Version ?? 0) + 1 };
                unit.Save(PressureCollections.Ledgers, next, ledger);
                _ledgers[survivorId] = next;
            }
        }

        // The owner of the survivor's new conversations: the later assignment of the two.
        var owner = await KnownAsync(_owners, ConversationCollections.ContactOwners, unit, survivorId, cancellationToken);
        var mergedOwner = await unit.GetAsync(ConversationCollections.ContactOwners, mergedId, cancellationToken);
        if (mergedOwner is not null && ReferenceEquals(ContactMerges.Owner(owner, mergedOwner), mergedOwner))
        {
            var next = mergedOwner with { Id = survivorId, Version = (owner?.Version ?? 0) + 1 };
            unit.Save(ConversationCollections.ContactOwners, next, owner);
            _owners[survivorId] = next;
        }

        // The last inbound message per channel (the WhatsApp window the merged person opened).
        var channels = await KnownAsync(_channels, ContactChannelCollections.ContactChannels, unit, survivorId, cancellationToken);
        if (await unit.GetAsync(ContactChannelCollections.ContactChannels, mergedId, cancellationToken) is { } mergedChannels)
        {
            var times = ContactMerges.LastInbound(channels?.LastInboundAt, mergedChannels.LastInboundAt);
            if (channels is null || times.Count != channels.LastInboundAt.Count || times.Any(t => channels.LastInboundAt.GetValueOrDefault(t.Key) != t.Value))
            {
                var next = new ContactChannel { Id = survivorId, LastInboundAt = times, Version = (channels?.Version ?? 0) + 1 };
                unit.Save(ContactChannelCollections.ContactChannels, next, channels);
                _channels[survivorId] = next;
            }
        }
    }

    /// <summary>
    /// The moved messages, conversations and enrollments go back (an enrollment the merge stopped stays stopped), and the
    /// restored person's sends leave the survivor's budget (the restored contact kept its own). The survivor keeps the owner
    /// and inbound times it has (its next assignment or inbound message sets them).
    /// </summary>
    public async Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        Begin($"unmerge:{mergeId}:{restoredId}");
        unit.Add(MessageQueries.MoveBack(mergeId, survivorId, restoredId));
        unit.Add(ConversationQueries.MoveBack(mergeId, survivorId, restoredId));
        unit.Add(JourneyQueries.MoveBack(mergeId, survivorId, restoredId));

        var ledger = await KnownAsync(_ledgers, PressureCollections.Ledgers, unit, survivorId, cancellationToken);
        if (ledger is not null && await unit.GetAsync(PressureCollections.Ledgers, restoredId, cancellationToken) is { Sends.Count: > 0 } restored)
        {
            var sends = ContactMerges.BudgetWithout(ledger.Sends, restored.Sends);
            if (sends.Count != ledger.Sends.Count)
            {
                var next = ledger with { Sends = sends, Version = ledger.Version + 1 };
                unit.Replace(PressureCollections.Ledgers, next, ledger.Version);
                _ledgers[survivorId] = next;
            }
        }
    }

    /// <summary>
    /// Each merged (restored) contact comes once per attempt; seeing one again means the consume pipeline retries the
    /// message in the same scope after discarding the unit's writes: what this instance remembers was never committed.
    /// </summary>
    private void Begin(string step)
    {
        if (_applied.Add(step))
        {
            return;
        }

        _ledgers.Clear();
        _owners.Clear();
        _channels.Clear();
        _active.Clear();
        _applied.Clear();
        _applied.Add(step);
    }

    private static async Task<T?> KnownAsync<T>(Dictionary<string, T?> written, DocumentCollection<T> collection, UnitOfWork unit, string id, CancellationToken cancellationToken)
        where T : class, IDocument =>
        written.TryGetValue(id, out var known) ? known : await unit.GetAsync(collection, id, cancellationToken);
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

    private const string EmailChannelName = "email";

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
            unit.Replace(ConversationCollections.Conversations, conversation.Erased(unit.Now), conversation.Version);
        }

        // A claim inserted after the read above (a welcome being sent right now) is caught at commit.
        unit.Add(MessageQueries.SuppressClaimsOfContact(message.ContactId, unit.Now));
        // The contact's journey enrollments go (their waits with them): nothing more is sent to the person.
        foreach (var enrollment in await unit.FindAsync(JourneyQueries.OfContact(message.ContactId), context.CancellationToken))
        {
            unit.CancelTimer(JourneyRunner.Kind, enrollment.Id);
        }

        unit.Add(JourneyQueries.DeleteOfContact(message.ContactId));

        // What else is kept per contact goes too: the budget (message ids and times), the owner of new conversations, the
        // last inbound time per channel, and the hard-bounce marks of the person's addresses (an address is about them).
        unit.Delete(PressureCollections.Ledgers, Filter<PressureLedger>.Eq(l => l.Id, message.ContactId));
        unit.Delete(ConversationCollections.ContactOwners, Filter<ContactOwner>.Eq(o => o.Id, message.ContactId));
        unit.Delete(ContactChannelCollections.ContactChannels, Filter<ContactChannel>.Eq(c => c.Id, message.ContactId));
        var theirs = messages.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var addresses = messages.Where(m => m.Channel == EmailChannelName && !string.IsNullOrWhiteSpace(m.To)).Select(m => AddressSuppression.Key(m.To)).Distinct(StringComparer.Ordinal);
        foreach (var bounced in await unit.GetManyAsync(AddressSuppressionCollections.SuppressedAddresses, addresses, context.CancellationToken))
        {
            if (bounced.MessageId is { } bouncedMessage && theirs.Contains(bouncedMessage))
            {
                unit.Delete(AddressSuppressionCollections.SuppressedAddresses, Filter<SuppressedAddress>.Eq(a => a.Id, bounced.Id));
            }
        }
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
