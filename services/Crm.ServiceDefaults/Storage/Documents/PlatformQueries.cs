namespace Crm.ServiceDefaults.Storage;

/// <summary>The platform's own queries (outbox and timers), in one place so their cost is reviewable (rendered by the catalog test).</summary>
public static class PlatformQueries
{
    /// <summary>Outbox records to publish at <paramref name="now"/>: not dead, not backing off; oldest first.</summary>
    public static Query<OutboxRecord> DueOutbox(DateTimeOffset now, int limit) =>
        PlatformCollections.Outbox.Find(
                Filter<OutboxRecord>.Missing(x => x.DeadAt)
                & (Filter<OutboxRecord>.Missing(x => x.RetryAt) | Filter<OutboxRecord>.Lte(x => x.RetryAt, now)))
            .OrderBy(x => x.Id)
            .Take(limit);

    /// <summary>
    /// Takes (or renews) the lease <paramref name="id"/> for <paramref name="owner"/> until <paramref name="until"/>:
    /// matches only while the owner holds it or it ran out, so of two replicas one gets it.
    /// </summary>
    public static WriteOperation TakeLease(string id, string owner, DateTimeOffset now, DateTimeOffset until) =>
        Write.Update(
            PlatformCollections.Leases,
            Filter<LeaseRecord>.Eq(x => x.Id, id) & (Filter<LeaseRecord>.Eq(x => x.Owner, owner) | Filter<LeaseRecord>.Lt(x => x.Until, now)),
            new Update<LeaseRecord>().Set(x => x.Owner, owner).Set(x => x.Until, until).Inc(x => x.Version, 1));

    /// <summary>Deletes the records <paramref name="ids"/> if an earlier layout marked them sent (see <see cref="SentOutbox"/>).</summary>
    public static WriteOperation DeleteSentOutbox(IReadOnlyCollection<string> ids) =>
        Write.Delete(PlatformCollections.Outbox, Filter<OutboxRecord>.In(x => x.Id, ids) & Filter<OutboxRecord>.Exists(x => x.SentAt), expectOne: false);

    /// <summary>
    /// Deletes every kept idempotent response about one of <paramref name="subjects"/> (a GDPR erasure): an array
    /// membership test, served by a multikey index on MongoDB and a scan of the retention-bounded collection on SQLite.
    /// </summary>
    public static WriteOperation ForgetIdempotentResponses(IReadOnlyCollection<string> subjects) =>
        Write.Delete(PlatformCollections.Idempotency, Filter<IdempotentResponse>.Or([.. subjects.Select(s => Filter<IdempotentResponse>.Contains(x => x.Subjects, s))]), expectOne: false);

    /// <summary>
    /// Records an earlier layout marked sent instead of deleting them (see <see cref="OutboxRecord.SentAt"/>): the
    /// dispatcher deletes them in batches before its first round.
    /// </summary>
    public static Query<OutboxRecord> SentOutbox(int limit) =>
        PlatformCollections.Outbox.Find(Filter<OutboxRecord>.Exists(x => x.SentAt)).Take(limit);

    /// <summary>Outbox records not yet published (dead ones excluded; published ones are deleted).</summary>
    public static Query<OutboxRecord> PendingOutbox() =>
        PlatformCollections.Outbox.Find(Filter<OutboxRecord>.Missing(x => x.DeadAt));

    /// <summary>Outbox records set aside after too many failures, oldest first.</summary>
    public static Query<OutboxRecord> DeadOutbox() =>
        PlatformCollections.Outbox.Find(Filter<OutboxRecord>.Exists(x => x.DeadAt)).OrderBy(x => x.Id);

    /// <summary>Timers a runner may claim at <paramref name="now"/>: due, not dead, neither leased nor backing off; most overdue first.</summary>
    public static Query<TimerRecord> ClaimableTimers(DateTimeOffset now, int limit) =>
        PlatformCollections.Timers.Find(
                Filter<TimerRecord>.Missing(x => x.DeadAt)
                & Filter<TimerRecord>.Lte(x => x.DueAt, now)
                & (Filter<TimerRecord>.Missing(x => x.LeaseUntil) | Filter<TimerRecord>.Lt(x => x.LeaseUntil, now)))
            .OrderBy(x => x.DueAt)
            .Take(limit);

    /// <summary>Timers due at <paramref name="now"/> and not dead (fired or not).</summary>
    public static Query<TimerRecord> DueTimers(DateTimeOffset now) =>
        PlatformCollections.Timers.Find(Filter<TimerRecord>.Missing(x => x.DeadAt) & Filter<TimerRecord>.Lte(x => x.DueAt, now));

    /// <summary>Timers set aside after too many failures, by due time.</summary>
    public static Query<TimerRecord> DeadTimers() =>
        PlatformCollections.Timers.Find(Filter<TimerRecord>.Exists(x => x.DeadAt)).OrderBy(x => x.DueAt);

    /// <summary>Dead letters of one queue (or of every queue), by id.</summary>
    public static Query<DeadLetterRecord> DeadLetters(string? queue) =>
        PlatformCollections.DeadLetters.Find(queue is null ? Filter<DeadLetterRecord>.All : Filter<DeadLetterRecord>.Eq(x => x.Queue, queue)).OrderBy(x => x.Id);
}
