using Crm.Analytics.Counters;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.ReadModels;

/// <summary>
/// Where the projection (<see cref="AnalyticsProjection"/>) reads and writes the read models. Live, a consumer's
/// <see cref="UnitOfWork"/> (<see cref="LiveReadModels"/>: reads of committed data, writes at the version read, committed
/// with the inbox record); on a rebuild, a batch held in memory (<c>Rebuild/BatchReadModels</c>: the touched documents
/// loaded once, written once per batch). The rules above it are the same pure functions either way.
/// </summary>
public interface IReadModelStore
{
    Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken)
        where T : class, IDocument;

    /// <summary>Writes <paramref name="document"/> (whose version the caller moved on) over <paramref name="current"/> (what was read; null: a new one).</summary>
    void Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument;

    /// <summary>Deletes <paramref name="current"/> (as read: a concurrent change fails the commit).</summary>
    void Delete<T>(DocumentCollection<T> collection, T current)
        where T : class, IDocument;

    /// <summary>Adds one to each counter of <paramref name="increment"/>.</summary>
    void Count(CounterIncrement increment);

    /// <summary>Adds one lead to the UTC minute of <paramref name="at"/> (the live rate).</summary>
    void CountLeadMinute(DateTimeOffset at);

    /// <summary>Adds <paramref name="change"/> (which may take away) to its capture cohort.</summary>
    void CountCohort(CohortChange change);

    /// <summary>Removes the contact id from every lead fact naming it (an erasure).</summary>
    void ForgetContact(string contactId);

    /// <summary>Moves <paramref name="queue"/>'s watermark of <paramref name="readModel"/> to <paramref name="occurredAt"/> when later.</summary>
    void Advance(string readModel, string queue, DateTimeOffset occurredAt);
}

/// <summary>
/// The read models live (what every live consumer uses): reads of committed data, except that a document this instance
/// wrote or deleted is read as it left it (a batch of events touching one document twice reads its own writes); every
/// write goes to <c>write</c> at once, a document at the version read (a concurrent change fails the commit), so the
/// writes applied in order in one transaction are exactly the events applied one after the other. Over a consumer's
/// <see cref="UnitOfWork"/> (committed with its inbox record), or over a batch of deliveries (<see cref="ProjectionBatcher"/>).
/// </summary>
public sealed class LiveReadModels(IDocumentStore store, DateTimeOffset now, Action<WriteOperation> write) : IReadModelStore
{
    private readonly Dictionary<(string Collection, string Id), IDocument?> _written = [];
    private readonly Dictionary<string, DateTimeOffset> _advanced = new(StringComparer.Ordinal);

    /// <summary>Into <paramref name="unit"/>: its store, its clock, its writes.</summary>
    public LiveReadModels(UnitOfWork unit)
        : this(unit.Store, unit.Now, unit.Add)
    {
    }

    public async Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken)
        where T : class, IDocument =>
        _written.TryGetValue((collection.Name, id), out var written) ? (T?)written : await store.GetAsync(collection, id, cancellationToken);

    public void Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument
    {
        write(Write.Save(collection, document, current));
        _written[(collection.Name, document.Id)] = document;
    }

    public void Delete<T>(DocumentCollection<T> collection, T current)
        where T : class, IDocument
    {
        write(Write.Delete(collection, Filter<T>.Eq(x => x.Id, current.Id) & Filter<T>.Eq(x => x.Version, current.Version), expectOne: true));
        _written[(collection.Name, current.Id)] = null;
    }

    public void Count(CounterIncrement increment)
    {
        foreach (var counter in increment.Counters)
        {
            write(CounterQueries.Increment(increment.Day, counter));
        }
    }

    public void CountLeadMinute(DateTimeOffset at) => write(LiveQueries.Increment(at));

    public void CountCohort(CohortChange change) => write(LeadCohortQueries.Add(change));

    public void ForgetContact(string contactId) => write(LeadFactQueries.ForgetContact(contactId));

    public void Advance(string readModel, string queue, DateTimeOffset occurredAt)
    {
        var id = Watermark.IdOf(readModel, queue);
        if (_advanced.TryGetValue(id, out var upTo))
        {
            // Moved by an earlier event of this batch: only a later time moves it again.
            if (occurredAt > upTo)
            {
                _advanced[id] = occurredAt;
                write(WatermarkQueries.Advance(readModel, queue, occurredAt, now));
            }

            return;
        }

        _advanced[id] = occurredAt;
        // Created at the beginning of time on the queue's first event (an insert by id that leaves an existing one alone).
        write(Write.InsertIfAbsent(WatermarkCollections.Watermarks, new Watermark { Id = id, ReadModel = readModel, Queue = queue, AppliedUpTo = DateTimeOffset.MinValue, AppliedAt = DateTimeOffset.MinValue }));
        write(WatermarkQueries.Advance(readModel, queue, occurredAt, now));
    }
}
