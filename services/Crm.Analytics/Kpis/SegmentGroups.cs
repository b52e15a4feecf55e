using Crm.Analytics.Customers;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Kpis;

/// <summary>
/// The groups of <c>groupBy=segment</c>: the segments each contact is a member of now (at read time:
/// <see cref="CustomerRules.CurrentSegments"/> of its customer document), <see cref="None"/> for a contact in none
/// (or unknown: no document, or erased from the lead). A contact merged into another has the survivor's segments
/// (the tombstone is followed, as events are). Pure once read (<see cref="ReadAsync"/>).
/// </summary>
public sealed class SegmentGroups
{
    public const string GroupBy = "segment";

    /// <summary>The group of a lead or customer whose contact is in no segment.</summary>
    public const string None = "none";

    /// <summary>Contact ids per query (one <c>In</c> filter by id): keeps each query's id list well below MongoDB's 16 MB command.</summary>
    public const int IdsPerQuery = 10_000;

    private static readonly IReadOnlyList<string> NoSegment = [None];

    private readonly Dictionary<string, Customer> _customers;

    private SegmentGroups(IEnumerable<Customer> customers) => _customers = customers.ToDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>No documents read (every contact in <see cref="None"/>): what a KPI not grouped by segment gets.</summary>
    public static SegmentGroups Empty { get; } = new([]);

    /// <summary>The groups from these customer documents (the contacts' and, for tombstones, their survivors').</summary>
    public static SegmentGroups Of(IEnumerable<Customer> customers) => new(customers);

    /// <summary>The segments the contact is a member of now, by id, or [<see cref="None"/>].</summary>
    public IReadOnlyList<string> Of(string? contactId)
    {
        var customer = contactId is null ? null : _customers.GetValueOrDefault(contactId);
        for (var hop = 0; customer?.MergedInto is { } survivor && hop < CustomerWriting.MaxMergeHops; hop++)
        {
            customer = _customers.GetValueOrDefault(survivor);
        }

        IReadOnlyList<string> segments = customer is null ? [] : CustomerRules.CurrentSegments(customer);
        return segments.Count == 0 ? NoSegment : segments;
    }

    /// <summary>
    /// Reads the customer documents of <paramref name="contactIds"/> (one query per <see cref="IdsPerQuery"/> ids, never
    /// one per lead), then those of the survivors of any tombstones among them (a merge; rarely more than one round).
    /// </summary>
    public static async Task<SegmentGroups> ReadAsync(IDocumentStore store, IEnumerable<string?> contactIds, CancellationToken cancellationToken)
    {
        var customers = new Dictionary<string, Customer>(StringComparer.Ordinal);
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var next = contactIds.OfType<string>().Where(asked.Add).ToList();
        for (var hop = 0; next.Count > 0 && hop <= CustomerWriting.MaxMergeHops; hop++)
        {
            foreach (var chunk in next.Chunk(IdsPerQuery))
            {
                foreach (var customer in await store.FindAsync(CustomerQueries.OfContacts(chunk), cancellationToken))
                {
                    customers[customer.Id] = customer;
                }
            }

            next = next.Select(customers.GetValueOrDefault).OfType<Customer>().Select(c => c.MergedInto).OfType<string>().Where(asked.Add).ToList();
        }

        return Of(customers.Values);
    }
}
