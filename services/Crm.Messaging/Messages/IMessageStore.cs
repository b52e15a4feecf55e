using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Messages;

/// <summary>What a claim found: go ahead and send, nothing to do, or another delivery is sending right now.</summary>
public enum ClaimStatus
{
    Claimed,
    AlreadyHandled,
    Busy,
}

/// <summary>The outcome of <see cref="IMessageStore.ClaimAsync"/>; <see cref="MessageId"/> is the id to send under when claimed.</summary>
public sealed record MessageClaim(ClaimStatus Status, string? MessageId = null);

/// <summary>
/// The messages Messaging sent, with the inbox and outbox beside them. Sending is claimed first (a <c>sending</c>
/// row under the unique (lead, template) index, leased to one delivery), then completed with the inbox entry and
/// the events in one transaction, so neither a redelivery nor a concurrent duplicate sends twice.
/// </summary>
public interface IMessageStore
{
    Task<Message?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Before sending: <see cref="ClaimStatus.AlreadyHandled"/> when the inbox holds <paramref name="inbox"/> or a
    /// finished message for the same lead and template exists; <see cref="ClaimStatus.Busy"/> when another delivery
    /// holds an unexpired claim for it; else stores <paramref name="pending"/> as <c>sending</c> (or takes over an
    /// expired claim, keeping its id), leased to <paramref name="claimToken"/> for <paramref name="lease"/>.
    /// </summary>
    Task<MessageClaim> ClaimAsync(InboxKey inbox, Message pending, string claimToken, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// After sending: writes the final message, the inbox entry and <paramref name="events"/> (outbox) in one
    /// transaction. False, and nothing written, when the claim was lost or the inbox already had the key.
    /// </summary>
    Task<bool> CompleteAsync(InboxKey inbox, Message message, string claimToken, IReadOnlyList<object> events, CancellationToken cancellationToken = default);

    /// <summary>Gives a claim up (sending failed; a retry claims again).</summary>
    Task ReleaseAsync(string messageId, string claimToken, CancellationToken cancellationToken = default);

    /// <summary>Finished messages (not those still <c>sending</c>), newest first (sentAt, then id, descending), filtered by contact and/or lead.</summary>
    Task<IReadOnlyList<Message>> ListAsync(MessageQuery query, CancellationToken cancellationToken = default);
}
