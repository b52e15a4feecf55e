using Crm.Assignment.Reps;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Assignment.Assignments;

/// <summary>
/// Reps, scored leads and the round-robin cursor. Every write that may assign leads chooses and takes in one
/// local transaction (SQLite: one IMMEDIATE transaction; MongoDB: a transaction guarded by versions), with the
/// LeadAssigned events in the outbox, so several replicas never exceed a rep's capacity or assign a lead twice.
/// </summary>
public interface IAssignmentStore
{
    Task<Rep?> GetRepAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Reps in creation (id) order after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<Rep>> ListRepsAsync(string? afterId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Stores a new rep and, in the same transaction, drains the backlog into the freed capacity. Returns the rep as stored afterwards.</summary>
    Task<Rep> CreateRepAsync(Rep rep, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="patch"/> when <paramref name="expectedVersion"/> is null or current; when the rep
    /// was created or got more capacity, drains the backlog in the same transaction.
    /// </summary>
    Task<RepUpdateResult> UpdateRepAsync(string id, RepPatch patch, long? expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>The lead with its rep's current name; null when unknown.</summary>
    Task<LeadAssignment?> GetLeadAsync(string leadId, CancellationToken cancellationToken = default);

    /// <summary>Waiting leads in serving order (hot, warm, cold; oldest first) after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<LeadAssignment>> ListBacklogAsync(BacklogPosition? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Consumer side of LeadScored: records the lead (a known lead only gets the newer grade and score) and, while it
    /// is in the backlog, tries to assign it, all with the inbox entry. False when the message was applied before
    /// (then nothing changes).
    /// </summary>
    Task<bool> RecordScoredLeadAsync(InboxKey inbox, ScoredLead lead, CancellationToken cancellationToken = default);
}
