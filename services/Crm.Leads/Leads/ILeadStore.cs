using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>The leads store (SQLite or MongoDB); every write is one local transaction.</summary>
public interface ILeadStore
{
    Task<Lead?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the lead, its events (outbox) and the idempotent response atomically. Throws
    /// <see cref="DuplicateIdempotencyKeyException"/> (and writes nothing) when the idempotency key is taken.
    /// </summary>
    Task CaptureAsync(Lead lead, IReadOnlyList<object> events, IdempotentResponse? idempotency, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the owner and bumps the version, recording <paramref name="inbox"/>. Returns false (changing nothing)
    /// when the message was applied before. An assignment older than the lead's current one is recorded but
    /// changes nothing (messages may arrive out of order). Throws <see cref="LeadNotFoundException"/> (and
    /// records nothing) when the lead is unknown.
    /// </summary>
    Task<bool> SetOwnerAsync(InboxKey inbox, string leadId, string ownerId, string ownerName, DateTimeOffset assignedAt, CancellationToken cancellationToken = default);
}
