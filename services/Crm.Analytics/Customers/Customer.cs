using System.Globalization;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Customers;

/// <summary>
/// What Analytics knows about one contact as a customer (a document of <c>customers</c>, id = the contact's id): their
/// orders (id, time, amount) and their leads (id, capture time, channel, source, campaign), from <c>OrderPlaced</c> and
/// <c>LeadCaptured</c>, each kept once by its id, and their segment marks (the latest <c>SegmentMembershipChanged</c> per
/// segment), so any order of delivery and any duplicate give the same document.
/// The derived fields (order count, first and last order, first- and last-touch campaign) are recomputed from the lists
/// on every write (<see cref="CustomerRules.Derive"/>). A contact merged into another keeps a tombstone
/// (<see cref="MergedInto"/>): its events then go to the survivor. Ids, times and amounts only: no name or address.
/// </summary>
public sealed record Customer : IDocument
{
    public required string Id { get; init; }
    public IReadOnlyList<CustomerOrder> Orders { get; init; } = [];
    public IReadOnlyList<CustomerLead> Leads { get; init; } = [];
    /// <summary>The latest membership change per segment (and per contact merged here: <see cref="CustomerSegmentMark.MergedFrom"/>).</summary>
    public IReadOnlyList<CustomerSegmentMark> Segments { get; init; } = [];
    /// <summary>Set when the contact was merged into this survivor: the document holds nothing else then.</summary>
    public string? MergedInto { get; init; }
    /// <summary>The merge that made this document a tombstone.</summary>
    public string? MergeId { get; init; }
    public int OrderCount { get; init; }
    public DateTimeOffset? FirstOrderAt { get; init; }
    public DateTimeOffset? LastOrderAt { get; init; }
    /// <summary>The campaign of the contact's earliest lead (null without leads or campaign).</summary>
    public string? FirstTouchCampaign { get; init; }
    /// <summary>The campaign of the contact's latest lead.</summary>
    public string? LastTouchCampaign { get; init; }
    public long Version { get; init; } = 1;

    public static Customer Empty(string contactId) => new() { Id = contactId, Version = 0 };
}

/// <summary>An order; <see cref="MergeId"/> and <see cref="MergedFrom"/> are set when a merge moved it here (an un-merge moves it back).</summary>
public sealed record CustomerOrder(string OrderId, DateTimeOffset PlacedAt, string Amount, string Currency)
{
    public string? MergeId { get; init; }
    public string? MergedFrom { get; init; }

    public decimal Value => decimal.TryParse(Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value : 0m;
}

/// <summary>A lead of the contact (a touch); merge marks as on <see cref="CustomerOrder"/>.</summary>
public sealed record CustomerLead(string LeadId, DateTimeOffset CapturedAt, string? Channel, string? Source, string? Campaign)
{
    public string? MergeId { get; init; }
    public string? MergedFrom { get; init; }
}

/// <summary>
/// The latest change Analytics knows of the contact's membership of one segment (<c>SegmentMembershipChanged</c>:
/// joined or left, at its <c>OccurredAt</c>). One mark per segment and per contact it is about: the document's own
/// contact (<see cref="MergedFrom"/> null) or a contact merged into it (the merged contact's marks, and its changes that
/// arrive after the merge, keep naming it, so an un-merge moves exactly them back). A segment id and times only.
/// </summary>
public sealed record CustomerSegmentMark(string SegmentId, bool Joined, DateTimeOffset At)
{
    public string? MergeId { get; init; }
    public string? MergedFrom { get; init; }
}

public static class CustomerCollections
{
    /// <summary>Customers; the money KPIs read those with an order by <c>firstOrderAt</c> (index <c>first_order_at</c>).</summary>
    public static readonly DocumentCollection<Customer> Customers = new DocumentCollection<Customer>("customers")
        .Index("first_order_at", i => i.Asc(x => x.FirstOrderAt).Asc(x => x.Id));
}

/// <summary>Every read of customers (rendered by the catalog test).</summary>
public static class CustomerQueries
{
    /// <summary>The customers whose first order was placed before <paramref name="until"/> (every money KPI starts from them).</summary>
    public static Query<Customer> FirstOrderBefore(DateTimeOffset until) =>
        CustomerCollections.Customers.Find(Filter<Customer>.Lt(x => x.FirstOrderAt, until)).OrderBy(x => x.FirstOrderAt);

    /// <summary>The customer documents of these contacts, by id (the lead KPIs' <c>groupBy=segment</c>: the period's leads' contacts).</summary>
    public static Query<Customer> OfContacts(IEnumerable<string> contactIds) =>
        CustomerCollections.Customers.Find(Filter<Customer>.In(x => x.Id, contactIds));
}
