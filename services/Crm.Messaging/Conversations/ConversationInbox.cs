using Crm.Messaging.Contacts;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Conversations;

/// <summary>An inbound message as a provider's webhook gave it (already verified by its signature).</summary>
public sealed record InboundMessage(string Channel, string ProviderMessageId, string? From, string? Name, string Text, string? Subject = null);

/// <summary>
/// Takes the inbound messages of one webhook call into conversations, in the request's unit of work: once per
/// provider message id (<see cref="InboundReceipt"/>), the sender resolved through Contacts (found or created), the
/// thread of the contact and channel found or opened (<see cref="ConversationRules.Inbound"/>), the contact's last
/// inbound time per channel written to <c>contact_channels</c> (WhatsApp's 24-hour window), and
/// <see cref="InboundMessageReceived"/> published through the outbox. Several messages of one call for the same thread
/// are applied in order and written once (guarded by the version read).
/// </summary>
public sealed class ConversationInbox(UnitOfWork unit, IContactResolver resolver, ILogger<ConversationInbox> logger)
{
    private readonly Dictionary<string, (Conversation? Read, Conversation Now)> _threads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ContactChannel? Read, ContactChannel Now)> _channels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Applies one message; false when it was seen before (or its sender cannot be resolved) and nothing changed.</summary>
    public async Task<bool> ReceiveAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var receiptId = InboundReceipt.IdOf(message.Channel, message.ProviderMessageId);
        if (!_seen.Add(receiptId) || await unit.GetAsync(ConversationCollections.InboundReceipts, receiptId, cancellationToken) is not null)
        {
            logger.LogInformation("Inbound {Channel} message {ProviderMessageId} seen before; ignored", message.Channel, message.ProviderMessageId);
            return false;
        }

        var email = message.Channel == "email" ? message.From : null;
        var phone = message.Channel == "email" ? null : message.From;
        var contactId = string.IsNullOrWhiteSpace(message.From) ? null : (await resolver.ResolveAsync(message.Name, email, phone, cancellationToken)).ContactId;
        if (contactId is null)
        {
            logger.LogWarning("Inbound {Channel} message {ProviderMessageId}: Contacts cannot resolve its sender; acknowledged and dropped", message.Channel, message.ProviderMessageId);
            return false;
        }

        if (await unit.GetAsync(MessageCollections.ErasedContacts, contactId, cancellationToken) is not null)
        {
            logger.LogInformation("Inbound {Channel} message {ProviderMessageId} from erased contact {ContactId}; not kept", message.Channel, message.ProviderMessageId, contactId);
            return false;
        }

        var now = unit.Now;
        var key = $"{contactId}|{message.Channel}";
        if (!_threads.TryGetValue(key, out var thread))
        {
            var latest = (await unit.FindAsync(ConversationQueries.OfContactAndChannel(contactId, message.Channel).Take(1), cancellationToken)) is [var found, ..] ? found : null;
            thread = (latest, latest!);
        }

        var before = thread.Now;
        var owner = before is null ? await unit.GetAsync(ConversationCollections.ContactOwners, contactId, cancellationToken) : null;
        var entry = new ConversationEntry
        {
            Id = Ids.New(),
            Direction = EntryKinds.In,
            At = now,
            Text = message.Text,
            Subject = message.Subject,
            From = message.From,
            ProviderMessageId = message.ProviderMessageId,
        };
        var (conversation, outcome) = ConversationRules.Inbound(before, entry, contactId, message.Channel, Ids.New(), owner, now);
        _threads[key] = (thread.Read, conversation);
        unit.Insert(ConversationCollections.InboundReceipts, new InboundReceipt { Id = receiptId, ConversationId = conversation.Id, EntryId = entry.Id, ReceivedAt = now });
        await LastInboundAsync(contactId, message.Channel, now, cancellationToken);
        unit.Publish(new InboundMessageReceived
        {
            EventId = Ids.NewGuid(),
            OccurredAt = now,
            MessageId = entry.Id,
            ContactId = contactId,
            LeadId = conversation.LeadId,
            ConversationId = conversation.Id,
            Channel = message.Channel,
            OwnerRepId = conversation.OwnerRepId,
            IsReply = before?.Entries.Exists(e => e.Direction == EntryKinds.Out) == true,
        });
        if (outcome == InboundOutcome.CsatAnswered)
        {
            unit.Publish(ConversationRules.CsatRecorded(conversation, CsatSources.SurveyReply, Ids.NewGuid()));
        }

        if (conversation.OwnerRepId is null)
        {
            // No lead owner: Assignment routes it (RouteOwnerOnConversationRouted takes the answer); asked again while unassigned.
            unit.Publish(new ConversationOwnerNeeded { EventId = Ids.NewGuid(), OccurredAt = now, ConversationId = conversation.Id, ContactId = contactId, Channel = message.Channel });
        }

        logger.LogInformation("Inbound {Channel} message {ProviderMessageId} from contact {ContactId}: conversation {ConversationId} {Outcome}", message.Channel, message.ProviderMessageId, contactId, conversation.Id, outcome);
        return true;
    }

    /// <summary>Forgets what an earlier run of the same request collected (the unit of work runs a request again after a conflict).</summary>
    public void Reset()
    {
        _threads.Clear();
        _channels.Clear();
        _seen.Clear();
    }

    /// <summary>Adds the writes of every changed thread and contact channel to the unit (each guarded by the version read).</summary>
    public void Write()
    {
        foreach (var (read, now) in _threads.Values)
        {
            unit.Save(ConversationCollections.Conversations, read is null ? now : now with { Version = read.Version + 1 }, read);
        }

        foreach (var (read, now) in _channels.Values)
        {
            unit.Save(ContactChannelCollections.ContactChannels, read is null ? now : now with { Version = read.Version + 1 }, read);
        }
    }

    private async Task LastInboundAsync(string contactId, string channel, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!_channels.TryGetValue(contactId, out var entry))
        {
            var read = await unit.GetAsync(ContactChannelCollections.ContactChannels, contactId, cancellationToken);
            entry = (read, read ?? new ContactChannel { Id = contactId });
        }

        var times = new Dictionary<string, DateTimeOffset>(entry.Now.LastInboundAt, StringComparer.Ordinal) { [channel] = at };
        _channels[contactId] = (entry.Read, entry.Now with { LastInboundAt = times });
    }
}
