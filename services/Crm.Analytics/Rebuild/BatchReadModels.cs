using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Rebuild;

/// <summary>
/// The read models of a rebuild, held in memory (<see cref="IReadModelStore"/> for <see cref="AnalyticsProjection"/>):
/// the rebuild starts them empty and is their only writer, so every document it wrote is here and a read never goes to
/// the store (other collections, the merge log, are read from the store). A counter or a minute adds up in memory.
/// <see cref="FlushAsync"/> writes what a batch changed in one commit: each changed document once, whatever the number of
/// events that touched it.
/// </summary>
public sealed class BatchReadModels(IDocumentStore store) : IReadModelStore
{
    private readonly Held<LeadFact> _leadFacts = new(LeadFactCollections.LeadFacts);
    private readonly Held<Customer> _customers = new(CustomerCollections.Customers);
    private readonly Held<MessageFact> _messageFacts = new(MessageFactCollections.MessageFacts);
    private readonly Held<Counter> _counters = new(CounterCollections.Counters);
    private readonly Held<LeadMinute> _minutes = new(LiveCollections.LeadMinutes);
    private readonly Held<LeadCohort> _cohorts = new(LeadCohortCollections.Cohorts);
    private readonly Held<Watermark> _watermarks = new(WatermarkCollections.Watermarks);

    /// <summary>When the event being replayed arrived (its log entry's <c>receivedAt</c>): a watermark's "applied at", so the lag is the one it had live.</summary>
    public DateTimeOffset AppliedAt { get; set; }

    /// <summary>Documents held (every read model document written so far).</summary>
    public long Documents => _leadFacts.Count + _customers.Count + _messageFacts.Count + _counters.Count + _minutes.Count + _cohorts.Count + _watermarks.Count;

    /// <summary>Documents per read model collection.</summary>
    public IReadOnlyDictionary<string, int> Sizes => new[] { (IHeld)_leadFacts, _customers, _messageFacts, _counters, _minutes, _cohorts, _watermarks }.ToDictionary(h => h.Name, h => h.Count);

    public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken)
        where T : class, IDocument =>
        HeldOf(collection) is { } held ? Task.FromResult(held.Get(id)) : store.GetAsync(collection, id, cancellationToken);

    public void Save<T>(DocumentCollection<T> collection, T document, T? current)
        where T : class, IDocument => (HeldOf(collection) ?? throw NotRebuilt(collection)).Set(document);

    public void Delete<T>(DocumentCollection<T> collection, T current)
        where T : class, IDocument => (HeldOf(collection) ?? throw NotRebuilt(collection)).Remove(current.Id);

    public void Count(CounterIncrement increment)
    {
        foreach (var counter in increment.Counters)
        {
            var id = Counter.IdOf(increment.Day, counter);
            var current = _counters.Get(id) ?? Counter.Seed(increment.Day, counter);
            _counters.Set(current with { Count = current.Count + 1 });
        }
    }

    public void CountLeadMinute(DateTimeOffset at)
    {
        var current = _minutes.Get(LeadMinute.IdOf(at)) ?? LeadMinute.Seed(at);
        _minutes.Set(current with { Count = current.Count + 1 });
    }

    public void CountCohort(CohortChange change)
    {
        var current = _cohorts.Get(LeadCohort.IdOf(change.Day, change.Dimension, change.Group)) ?? LeadCohort.Seed(change);
        _cohorts.Set(current with { Leads = current.Leads + change.Leads, Won = current.Won + change.Won });
    }

    public void ForgetContact(string contactId)
    {
        foreach (var fact in _leadFacts.All.Where(f => f.ContactId == contactId).ToList())
        {
            _leadFacts.Set(fact with { ContactId = null, Version = fact.Version + 1 });
        }
    }

    public void Advance(string readModel, string queue, DateTimeOffset occurredAt)
    {
        var id = Watermark.IdOf(readModel, queue);
        var current = _watermarks.Get(id);
        if (current is null || current.AppliedUpTo < occurredAt)
        {
            _watermarks.Set(new Watermark
            {
                Id = id,
                ReadModel = readModel,
                Queue = queue,
                AppliedUpTo = occurredAt,
                AppliedAt = AppliedAt,
                LagSeconds = WatermarkRules.Lag(occurredAt, AppliedAt),
            });
        }
    }

    /// <summary>Writes what changed since the last flush in one commit; returns how many documents it wrote or deleted.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var writes = new List<WriteOperation>();
        foreach (var held in new IHeld[] { _leadFacts, _customers, _messageFacts, _counters, _minutes, _cohorts, _watermarks })
        {
            held.Flush(writes);
        }

        if (writes.Count > 0)
        {
            await store.CommitAsync(writes, cancellationToken);
        }

        return writes.Count;
    }

    private Held<T>? HeldOf<T>(DocumentCollection<T> collection)
        where T : class, IDocument =>
        new IHeld[] { _leadFacts, _customers, _messageFacts, _counters, _minutes, _cohorts, _watermarks }.FirstOrDefault(h => h.Name == collection.Name) as Held<T>;

    private static InvalidOperationException NotRebuilt(IDocumentCollection collection) =>
        new($"A rebuild writes the read models only, not '{collection.Name}'.");

    private interface IHeld
    {
        string Name { get; }

        int Count { get; }

        void Flush(List<WriteOperation> writes);
    }

    /// <summary>One collection's documents, and which of them changed (or went) since the last flush.</summary>
    private sealed class Held<T>(DocumentCollection<T> collection) : IHeld
        where T : class, IDocument
    {
        private readonly Dictionary<string, T> _documents = new(StringComparer.Ordinal);
        private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
        private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);

        public string Name => collection.Name;

        public int Count => _documents.Count;

        public IEnumerable<T> All => _documents.Values;

        public T? Get(string id) => _documents.GetValueOrDefault(id);

        public void Set(T document)
        {
            _documents[document.Id] = document;
            _changed.Add(document.Id);
            _deleted.Remove(document.Id);
        }

        public void Remove(string id)
        {
            _documents.Remove(id);
            _changed.Remove(id);
            _deleted.Add(id);
        }

        public void Flush(List<WriteOperation> writes)
        {
            foreach (var id in _deleted)
            {
                writes.Add(Write.Delete(collection, Filter<T>.Eq(x => x.Id, id)));
            }

            foreach (var id in _changed)
            {
                writes.Add(Write.Put(collection, _documents[id]));
            }

            _deleted.Clear();
            _changed.Clear();
        }
    }
}
