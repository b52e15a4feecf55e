using System.Text.Json;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Outbox;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// One writing request or one consumed message: reads go straight to the store (committed data), writes are
/// collected and committed together with the outbox events, the inbox record and the idempotency record in one
/// transaction, all or none. Guards (expected versions, conditional updates) are checked at commit: when one does
/// not hold, nothing is written and <see cref="ConcurrencyException"/> is thrown, and the pipeline runs the unit
/// again on fresh data. Reads do not see the unit's own uncommitted writes.
/// </summary>
/// <remarks>
/// The HTTP pipeline (<c>.WithUnitOfWork()</c>) and the consume pipeline commit it; a handler commits itself only
/// when it must act on the outcome (e.g. answering an idempotency race) or work in several bounded steps.
/// </remarks>
public sealed class UnitOfWork(IDocumentStore store, TimeProvider time, OutboxSignal outboxSignal)
{
    private readonly List<WriteOperation> _writes = [];
    private readonly List<OutboxRecord> _outbox = [];
    private InboxKey? _inbox;
    private IdempotentResponse? _idempotency;
    private List<Action>? _afterCommit;

    public IDocumentStore Store => store;

    /// <summary>The unit's clock reading (UTC, milliseconds): the same for everything it writes.</summary>
    public DateTimeOffset Now { get; private set; } = time.UtcNowMs();

    public bool HasWrites => _writes.Count > 0 || _outbox.Count > 0 || _inbox is not null || _idempotency is not null;

    /// <summary>How many commits this unit made (a handler may commit in steps).</summary>
    public int Commits { get; private set; }

    public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
        where T : class, IDocument => store.GetAsync(collection, id, cancellationToken);

    public Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
        where T : class, IDocument => store.FindAsync(query, cancellationToken);

    public Task<IReadOnlyList<T>> GetManyAsync<T>(DocumentCollection<T> collection, IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument => store.GetManyAsync(collection, ids, cancellationToken);

    /// <summary>Inserts; the commit fails with <see cref="DuplicateKeyException"/> when the id or a unique index is taken.</summary>
    public void Insert<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => _writes.Add(Write.Insert(collection, document));

    /// <summary>
    /// Writes a document replaced whole (a configuration document, a team): inserted when <paramref name="current"/> (what
    /// was read) is null, else replaced at <paramref name="current"/>'s version; a concurrent write fails the commit.
    /// </summary>
    public void Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument => _writes.Add(Write.Save(collection, document, current));

    /// <summary>Inserts unless a document with this id exists (which then stays as it is).</summary>
    public void InsertIfAbsent<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => _writes.Add(Write.InsertIfAbsent(collection, document));

    /// <summary>
    /// Replaces the document stored at <paramref name="expectedVersion"/> by <paramref name="document"/> (whose
    /// version the caller moved on); the commit fails with <see cref="ConcurrencyException"/> when it changed.
    /// </summary>
    public void Replace<T>(DocumentCollection<T> collection, T document, long expectedVersion)
        where T : class, IDocument => _writes.Add(Write.NextVersion(collection, document, expectedVersion));

    /// <summary>Inserts or overwrites, whatever is stored (for documents only this unit's kind of writer owns).</summary>
    public void Put<T>(DocumentCollection<T> collection, T document)
        where T : class, IDocument => _writes.Add(Write.Put(collection, document));

    /// <summary>Applies an atomic update to what <paramref name="filter"/> matches; with <paramref name="expectOne"/> the commit fails when nothing matched (a guard).</summary>
    public void Update<T>(DocumentCollection<T> collection, Filter<T> filter, Update<T> update, bool expectOne = true)
        where T : class, IDocument => _writes.Add(Write.Update(collection, filter, update, expectOne));

    /// <summary>Updates the document with <paramref name="seed"/>'s id, or inserts the seed with the update applied.</summary>
    public void Upsert<T>(DocumentCollection<T> collection, T seed, Update<T> update)
        where T : class, IDocument => _writes.Add(Write.Upsert(collection, seed, update));

    public void Delete<T>(DocumentCollection<T> collection, Filter<T> filter, bool expectOne = false)
        where T : class, IDocument => _writes.Add(Write.Delete(collection, filter, expectOne));

    /// <summary>Adds a write built elsewhere (usually a named conditional write of the service's query catalog).</summary>
    public void Add(WriteOperation write) => _writes.Add(write);

    /// <summary>Writes an event (a <c>Crm.Contracts</c> record) to the outbox; it is published after the commit.</summary>
    public void Publish(object message) => _outbox.Add(OutboxSerializer.CreateRecord(message, Now));

    /// <summary>
    /// Schedules (or moves) the timer <paramref name="kind"/>/<paramref name="key"/> to fire at <paramref name="dueAt"/>
    /// with <paramref name="payload"/> (serialised as JSON); its handler runs in its own unit of work.
    /// </summary>
    public void Schedule(string kind, string key, DateTimeOffset dueAt, object? payload = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(key);
        _writes.Add(Write.Put(PlatformCollections.Timers, new TimerRecord
        {
            Id = TimerRecord.IdOf(kind, key),
            Kind = kind,
            Key = key,
            DueAt = dueAt,
            Payload = payload is null ? null : JsonSerializer.Serialize(payload, payload.GetType(), DocumentJson.Options),
            ScheduledAt = Now,
        }));
    }

    /// <summary>
    /// Schedules the timer <paramref name="kind"/>/<paramref name="key"/> at <paramref name="dueAt"/> only when it is not
    /// scheduled yet (an existing one, earlier or later, is left as it is: e.g. a start-up schedule never postpones a
    /// run someone asked for).
    /// </summary>
    public void ScheduleIfAbsent(string kind, string key, DateTimeOffset dueAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(key);
        _writes.Add(Write.InsertIfAbsent(PlatformCollections.Timers, new TimerRecord
        {
            Id = TimerRecord.IdOf(kind, key),
            Kind = kind,
            Key = key,
            DueAt = dueAt,
            ScheduledAt = Now,
        }));
    }

    /// <summary>
    /// Brings every timer of <paramref name="kind"/> whose key starts with <paramref name="keyPrefix"/> and that is due
    /// later forward to now: what waits out a back-off for a dependency goes at once when the dependency answers again,
    /// instead of when its back-off ends. Timers due already (fired or being fired) and dead ones are left as they are.
    /// </summary>
    public void WakeTimers(string kind, string keyPrefix = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var from = TimerRecord.IdOf(kind, keyPrefix);
        _writes.Add(Write.Update(
            PlatformCollections.Timers,
            Filter<TimerRecord>.Gte(x => x.Id, from) & Filter<TimerRecord>.Lt(x => x.Id, from + char.MaxValue)
                & Filter<TimerRecord>.Eq(x => x.Kind, kind)
                & Filter<TimerRecord>.Missing(x => x.DeadAt)
                & Filter<TimerRecord>.Gt(x => x.DueAt, Now),
            new Update<TimerRecord>().Set(x => x.DueAt, Now),
            expectOne: false));
    }

    /// <summary>Cancels the timer <paramref name="kind"/>/<paramref name="key"/> if it is scheduled.</summary>
    public void CancelTimer(string kind, string key) =>
        _writes.Add(Write.Delete(PlatformCollections.Timers, Filter<TimerRecord>.Eq(x => x.Id, TimerRecord.IdOf(kind, key))));

    /// <summary>
    /// Runs <paramref name="action"/> once what this unit collected so far is committed (at once when there is nothing to
    /// commit; never when the commit fails: the work runs again and asks again). For what must not happen before the
    /// data is stored, e.g. dropping a cache of what the unit changes (dropped earlier, a read in between would load
    /// and keep the old data).
    /// </summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    /// <summary>Keeps the response of an idempotent request with the commit (a taken key fails it with <see cref="DuplicateKeyException"/> on <c>idempotency</c>).</summary>
    public void RecordIdempotentResponse(IdempotentResponse response) => _idempotency = response;

    /// <summary>Records the consumed message with the commit; set by the consume pipeline.</summary>
    internal void Accept(InboxKey key) => _inbox = key;

    internal InboxKey? Inbox => _inbox;

    /// <summary>
    /// Commits everything collected so far in one transaction and starts afresh (the inbox record goes with the first
    /// commit). When the commit fails nothing was stored and the collected writes are dropped too (the inbox record
    /// stays for a later commit): catch the failure only to answer differently, or run the work again.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (!HasWrites)
        {
            // Nothing to store: what waits for the commit runs now.
            TakeAfterCommit()?.ForEach(action => action());
            return;
        }

        var writes = PendingWrites();
        try
        {
            await store.CommitAsync(writes, cancellationToken);
        }
        catch
        {
            Reset(keepInbox: true);
            throw;
        }

        Committed();
    }

    /// <summary>
    /// Commits the writes of several units (each a delivery's: its inbox record first) and then <paramref name="more"/>
    /// in one transaction of <paramref name="store"/>, e.g. a batch of deliveries whose effects were computed together.
    /// When it succeeds every unit starts afresh, as after its own <see cref="CommitAsync"/>; when it fails nothing was
    /// stored and every unit keeps what it had collected, so each can still go alone.
    /// </summary>
    public static async Task CommitTogetherAsync(IDocumentStore store, IReadOnlyList<UnitOfWork> units, IReadOnlyList<WriteOperation> more, CancellationToken cancellationToken = default)
    {
        var writes = new List<WriteOperation>();
        foreach (var unit in units)
        {
            if (!ReferenceEquals(unit.Store, store))
            {
                throw new ArgumentException("Units committed together must share the store they are committed to.", nameof(units));
            }

            writes.AddRange(unit.PendingWrites());
        }

        writes.AddRange(more);
        if (writes.Count > 0)
        {
            await store.CommitAsync(writes, cancellationToken);
        }

        foreach (var unit in units)
        {
            unit.Committed();
        }
    }

    /// <summary>What a commit writes: the inbox record, the idempotent response, the writes, the outbox records.</summary>
    private List<WriteOperation> PendingWrites()
    {
        var writes = new List<WriteOperation>(_writes.Count + _outbox.Count + 2);
        if (_inbox is { } inbox)
        {
            writes.Add(Write.Insert(PlatformCollections.Inbox, new InboxRecord
            {
                Id = inbox.Id,
                Consumer = inbox.Consumer,
                MessageId = inbox.MessageId,
                ReceivedAt = Now,
            }));
        }

        if (_idempotency is not null)
        {
            writes.Add(Write.Insert(PlatformCollections.Idempotency, _idempotency));
        }

        writes.AddRange(_writes);
        writes.AddRange(_outbox.Select(r => Write.Insert(PlatformCollections.Outbox, r)));
        return writes;
    }

    private void Committed()
    {
        var published = _outbox.Count;
        var afterCommit = TakeAfterCommit();
        Reset(keepInbox: false);
        Commits++;
        if (published > 0)
        {
            outboxSignal.Notify();
        }

        afterCommit?.ForEach(action => action());
    }

    private List<Action>? TakeAfterCommit()
    {
        var actions = _afterCommit;
        _afterCommit = null;
        return actions;
    }

    /// <summary>
    /// Runs <paramref name="work"/> (which reads and collects writes into this unit) and commits; when the commit meets
    /// a concurrent change (<see cref="ConcurrencyException"/>, or a <see cref="DuplicateKeyException"/> in
    /// <paramref name="raceOn"/>: an insert that a concurrent writer won) it discards and runs the work again on fresh
    /// data, up to <paramref name="attempts"/> times in all. A duplicate anywhere else is a fault and is thrown.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, int attempts = 5, IDocumentCollection? raceOn = null, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            Discard();
            try
            {
                var result = await work();
                await CommitAsync(cancellationToken);
                return result;
            }
            catch (Exception ex) when (attempt < attempts && (ex is ConcurrencyException || (ex is DuplicateKeyException duplicate && duplicate.Collection == raceOn?.Name)))
            {
                // Another writer committed first: read again.
            }
        }
    }

    /// <summary>Drops what was collected (to run the unit again after a failed commit) and reads the clock again.</summary>
    public void Discard() => Reset(keepInbox: true);

    private void Reset(bool keepInbox)
    {
        _writes.Clear();
        _outbox.Clear();
        _idempotency = null;
        _afterCommit = null;
        if (!keepInbox)
        {
            _inbox = null;
        }

        Now = time.UtcNowMs();
    }
}
