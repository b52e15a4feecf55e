using Crm.Messaging.Email;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>What a claim found: go ahead and send, nothing to do, or another delivery is sending right now.</summary>
public enum ClaimStatus
{
    Claimed,
    AlreadyHandled,
    Busy,
}

/// <summary>The outcome of <see cref="SendOnce.ClaimAsync"/>; <see cref="MessageId"/> is the id to send under when claimed.</summary>
public sealed record MessageClaim(ClaimStatus Status, string? MessageId = null);

/// <summary>
/// One message per dedupe key (<see cref="Message.DedupeKey"/>, e.g. the welcome's <see cref="MessageKeys.Welcome"/>), sent by one delivery at a time, whatever redeliveries, duplicates or crashes
/// happen (written once, over the document layer, for both stores):
/// <list type="number">
/// <item><b>Claim</b> (committed at once, before sending): a <c>sending</c> message under the unique index
/// <c>dedupe</c>, leased to one delivery by its claim token. A finished message means it was handled; an unexpired
/// claim of another delivery means busy (retry later); an expired one (its delivery died mid-send) is taken over under
/// the same id, guarded by the token it had so two deliveries cannot both take it.</item>
/// <item><b>Complete</b> (part of the consumer's unit of work, with its events): the final fields, guarded by the
/// claim token; if the claim was taken over meanwhile, the commit fails and the message is retried, and the claim
/// then finds it finished: nothing is sent twice by two live deliveries.</item>
/// <item><b>Release</b> (committed at once) when sending failed before the e-mail was handed over, so a retry can claim
/// again at once. A failure while it was handed over keeps the claim (the server may have taken it).</item>
/// </list>
/// Sending stays at least once: a crash after the e-mail left and before the completion committed repeats it once
/// the lease ends. Which message a redelivery already applied is the consume pipeline's inbox, not this class's.
/// </summary>
public sealed class SendOnce(IDocumentStore store, TimeProvider time)
{
    /// <summary>
    /// Before sending <paramref name="pending"/>: stores it as <c>sending</c>, leased to <paramref name="claimToken"/>
    /// for <paramref name="lease"/> (or takes over an expired claim of the same dedupe key, keeping its id; a message without a key is only inserted).
    /// </summary>
    public async Task<MessageClaim> ClaimAsync(Message pending, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = time.UtcNowMs();
        var found = pending.DedupeKey is null
            ? []
            : await store.FindAsync(MessageQueries.OfDedupeKey(pending.DedupeKey), cancellationToken);
        var existing = found.Count == 0 ? null : found[0];
        if (existing is null && pending.LeadId is not null && pending.DedupeKey == MessageKeys.Welcome(pending.LeadId))
        {
            // A welcome stored before dedupe keys existed (unique lead_template then) has none: it still counts.
            existing = (await store.FindAsync(MessageQueries.OfLeadAndTemplate(pending.LeadId, pending.Template), cancellationToken))
                .FirstOrDefault(m => m.DedupeKey is null);
        }

        if (existing is null)
        {
            var claimed = pending with { Status = EmailStatus.Sending, ClaimToken = claimToken, LeaseUntil = now + lease, Version = 1 };
            try
            {
                await store.CommitAsync(Write.Insert(MessageCollections.Messages, claimed), cancellationToken);
                return new MessageClaim(ClaimStatus.Claimed, claimed.Id);
            }
            catch (DuplicateKeyException ex) when (ex.Collection == MessageCollections.Messages.Name)
            {
                // The unique index dedupe caught a concurrent delivery that claimed it first.
                return new MessageClaim(ClaimStatus.Busy);
            }
        }

        if (existing.Status != EmailStatus.Sending)
        {
            return new MessageClaim(ClaimStatus.AlreadyHandled);
        }

        if (existing.LeaseUntil is { } until && until > now)
        {
            return new MessageClaim(ClaimStatus.Busy);
        }

        // The delivery that claimed it died without finishing or giving it up: take over, under the same id.
        var taken = await store.CommitAsync(MessageQueries.TakeOver(existing.Id, existing.ClaimToken, claimToken, now + lease), cancellationToken);
        return taken[0] == 1 ? new MessageClaim(ClaimStatus.Claimed, existing.Id) : new MessageClaim(ClaimStatus.Busy);
    }

    /// <summary>
    /// After sending: collects in <paramref name="unit"/> the final <paramref name="message"/> (guarded by
    /// <paramref name="claimToken"/>) and <paramref name="events"/>; the unit's commit fails with
    /// <see cref="ConcurrencyException"/>, writing nothing, when the claim is no longer this delivery's.
    /// </summary>
    public static void Complete(UnitOfWork unit, Message message, string claimToken, IEnumerable<object> events)
    {
        if (message.Status == EmailStatus.Sending)
        {
            throw new ArgumentException("A completed message has its final status, not 'sending'.", nameof(message));
        }

        unit.Add(MessageQueries.Complete(message, claimToken));
        foreach (var e in events)
        {
            unit.Publish(e);
        }
    }

    /// <summary>
    /// Claims the <c>queued</c> message <paramref name="messageId"/> (stored by the send API) for this delivery, or takes
    /// over an expired claim of it under the same id. A finished message is already handled; an unexpired claim busy.
    /// </summary>
    public async Task<MessageClaim> ClaimQueuedAsync(string messageId, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = time.UtcNowMs();
        var existing = await store.GetAsync(MessageCollections.Messages, messageId, cancellationToken);
        switch (existing)
        {
            case null:
                return new MessageClaim(ClaimStatus.AlreadyHandled);
            case { Status: EmailStatus.Queued }:
                var claimed = await store.CommitAsync(MessageQueries.ClaimQueued(messageId, claimToken, now + lease), cancellationToken);
                return claimed[0] == 1 ? new MessageClaim(ClaimStatus.Claimed, messageId) : new MessageClaim(ClaimStatus.Busy);
            case { Status: EmailStatus.Sending, LeaseUntil: { } until } when until > now:
                return new MessageClaim(ClaimStatus.Busy);
            case { Status: EmailStatus.Sending }:
                var taken = await store.CommitAsync(MessageQueries.TakeOver(messageId, existing.ClaimToken, claimToken, now + lease), cancellationToken);
                return taken[0] == 1 ? new MessageClaim(ClaimStatus.Claimed, messageId) : new MessageClaim(ClaimStatus.Busy);
            default:
                return new MessageClaim(ClaimStatus.AlreadyHandled);
        }
    }

    /// <summary>
    /// <see cref="ClaimQueuedAsync"/> for a batch: one read of the messages and one commit of every claim (each a guarded
    /// update on its own, so one lost race leaves the others claimed). In the order of <paramref name="messageIds"/>:
    /// the status and, when claimed, the message as claimed. An id twice in the batch is busy the second time.
    /// </summary>
    public async Task<IReadOnlyList<(ClaimStatus Status, Message? Message)>> ClaimQueuedManyAsync(
        IReadOnlyList<string> messageIds, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        var now = time.UtcNowMs();
        var found = (await store.GetManyAsync(MessageCollections.Messages, messageIds, cancellationToken)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        var claims = new (ClaimStatus Status, Message? Message)[messageIds.Count];
        var writes = new List<WriteOperation>();
        var written = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < messageIds.Count; i++)
        {
            var existing = found.GetValueOrDefault(messageIds[i]);
            if (!seen.Add(messageIds[i]))
            {
                claims[i] = (ClaimStatus.Busy, null);
                continue;
            }

            switch (existing)
            {
                case null:
                    claims[i] = (ClaimStatus.AlreadyHandled, null);
                    break;
                case { Status: EmailStatus.Queued }:
                    writes.Add(MessageQueries.ClaimQueued(existing.Id, claimToken, now + lease));
                    written.Add(i);
                    break;
                case { Status: EmailStatus.Sending, LeaseUntil: { } until } when until > now:
                    claims[i] = (ClaimStatus.Busy, null);
                    break;
                case { Status: EmailStatus.Sending }:
                    writes.Add(MessageQueries.TakeOver(existing.Id, existing.ClaimToken, claimToken, now + lease));
                    written.Add(i);
                    break;
                default:
                    claims[i] = (ClaimStatus.AlreadyHandled, null);
                    break;
            }
        }

        if (writes.Count > 0)
        {
            var matched = await store.CommitAsync(writes, cancellationToken);
            for (var k = 0; k < written.Count; k++)
            {
                var existing = found[messageIds[written[k]]];
                claims[written[k]] = matched[k] == 1
                    ? (ClaimStatus.Claimed, existing with { Status = EmailStatus.Sending, ClaimToken = claimToken, LeaseUntil = now + lease, Version = existing.Version + 1 })
                    : (ClaimStatus.Busy, null);
            }
        }

        return claims;
    }

    /// <summary>Gives the claims of a batch's queued messages up in one commit (see <see cref="RequeueAsync"/>).</summary>
    public Task RequeueManyAsync(IReadOnlyCollection<string> messageIds, string claimToken, CancellationToken cancellationToken = default) =>
        messageIds.Count == 0 ? Task.CompletedTask : store.CommitAsync([.. messageIds.Select(id => MessageQueries.Requeue(id, claimToken))], cancellationToken);

    /// <summary>Gives the claim of a queued message up (sending failed before the hand-over): it is queued again for the retry.</summary>
    public Task RequeueAsync(string messageId, string claimToken, CancellationToken cancellationToken = default) =>
        store.CommitAsync(MessageQueries.Requeue(messageId, claimToken), cancellationToken);

    /// <summary>Gives a claim up (sending failed; a retry claims again at once). A claim that is no longer this token's, or a finished message, stays.</summary>
    public Task ReleaseAsync(string messageId, string claimToken, CancellationToken cancellationToken = default) =>
        store.CommitAsync(MessageQueries.Release(messageId, claimToken), cancellationToken);
}
