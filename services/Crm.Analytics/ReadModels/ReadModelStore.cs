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

/// <summary>The read models through a consumer's unit of work (what every live consumer uses).</summary>
public sealed class LiveReadModels(UnitOfWork unit) : IReadModelStore
{
    public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken)
        where T : class, IDocument => unit.GetAsync(collection, id, cancellationToken);

    public void Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument => unit.Save(collection, document, current);

    public void Delete<T>(DocumentCollection<T> collection, T current)
        where T : class, IDocument =>
        unit.Delete(collection, Filter<T>.Eq(x => x.Id, current.Id) & Filter<T>.Eq(x => x.Version, current.Version), expectOne: true);

    public void Count(CounterIncrement increment)
    {
        foreach (var counter in increment.Counters)
        {
            unit.Add(CounterQueries.Increment(increment.Day, counter));
        }
    }

    public void CountLeadMinute(DateTimeOffset at) => unit.Add(LiveQueries.Increment(at));

    public void CountCohort(CohortChange change) => unit.Add(LeadCohortQueries.Add(change));

    public void ForgetContact(string contactId) => unit.Add(LeadFactQueries.ForgetContact(contactId));

    public void Advance(string readModel, string queue, DateTimeOffset occurredAt)
    {
        // Created at the beginning of time on the queue's first event (an insert by id that leaves an existing one alone).
        unit.InsertIfAbsent(WatermarkCollections.Watermarks, new Watermark { Id = Watermark.IdOf(readModel, queue), ReadModel = readModel, Queue = queue, AppliedUpTo = DateTimeOffset.MinValue, AppliedAt = DateTimeOffset.MinValue });
        unit.Add(WatermarkQueries.Advance(readModel, queue, occurredAt, unit.Now));
    }
}
