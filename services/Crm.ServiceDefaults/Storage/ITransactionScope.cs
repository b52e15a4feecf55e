using Crm.ServiceDefaults.Messaging;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// What a store method can do inside its local transaction besides its own writes: publish events through the
/// outbox, record an applied message in the inbox, keep an idempotent response. All commit or none.
/// </summary>
public interface ITransactionScope
{
    /// <summary>The transaction's clock reading (milliseconds precision, UTC).</summary>
    DateTimeOffset Now { get; }

    /// <summary>Writes the event into the outbox; the dispatcher publishes it after commit.</summary>
    Task PublishAsync(object message, CancellationToken cancellationToken = default);

    /// <summary>Records the message as applied; false when it was applied before (then write nothing else).</summary>
    Task<bool> TryAcceptAsync(InboxKey key, CancellationToken cancellationToken = default);

    /// <summary>Keeps the response of an idempotent request; throws <see cref="DuplicateIdempotencyKeyException"/> when the key is taken.</summary>
    Task RecordIdempotencyAsync(IdempotentResponse response, CancellationToken cancellationToken = default);
}
