using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Merge;

/// <summary>
/// One merge (a document of <c>contact_merges</c>): who was merged into whom, by whom and when, and everything an
/// un-merge needs to restore the records as they were — the full documents before the merge (contacts, consent states,
/// summaries, owners) and the survivor as the merge left it. What moved (identities, orders, timeline entries, consent
/// ledger entries) is marked on each moved record with the merge's id, so the un-merge moves exactly those back.
/// </summary>
public sealed record ContactMerge : IDocument
{
    public required string Id { get; init; }
    public required string SurvivorId { get; init; }
    public required IReadOnlyList<string> MergedIds { get; init; }
    public required DateTimeOffset At { get; init; }
    public required Actor By { get; init; }
    /// <summary>Field → the contact whose value won.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public required Contact SurvivorBefore { get; init; }
    public required Contact SurvivorAfter { get; init; }
    /// <summary>The merged contacts as they were (in the order of <see cref="MergedIds"/>).</summary>
    public required IReadOnlyList<Contact> Merged { get; init; }
    /// <summary>The consent states before (the survivor's and the merged contacts' that had one).</summary>
    public IReadOnlyList<ContactConsent> ConsentsBefore { get; init; } = [];
    /// <summary>The behavioural summaries before (the survivor's and the merged contacts' that had one).</summary>
    public IReadOnlyList<CustomerSummary> SummariesBefore { get; init; } = [];
    /// <summary>The merged contacts' owners documents before.</summary>
    public IReadOnlyList<ContactOwners> OwnersBefore { get; init; } = [];
    public DateTimeOffset? UndoneAt { get; init; }
    public Actor? UndoneBy { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>
/// A contact merged into another (a document of <c>merged_contacts</c>, id = the merged contact's id), while the merge
/// stands: <c>GET /api/contacts/{id}</c> answers 404 naming <see cref="SurvivorId"/>, and a second merge of it is a 409.
/// Deleted by the un-merge.
/// </summary>
public sealed record MergedContact : IDocument
{
    public required string Id { get; init; }
    public required string MergeId { get; init; }
    public required string SurvivorId { get; init; }
    public required DateTimeOffset MergedAt { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>The merge collections.</summary>
public static class MergeCollections
{
    /// <summary><c>survivor_at</c> serves a survivor's merges newest first (<see cref="MergeQueries.OfSurvivor"/>, the list by contact, the erasure).</summary>
    public static readonly DocumentCollection<ContactMerge> Merges = new DocumentCollection<ContactMerge>("contact_merges")
        .Index("survivor_at", i => i.Asc(x => x.SurvivorId).Desc(x => x.At).Desc(x => x.Id));

    /// <summary>Read by id (the merged contact's id) only.</summary>
    public static readonly DocumentCollection<MergedContact> MergedContacts = new("merged_contacts");

    /// <summary>The one document of survivorship rules, id <see cref="MergeRules.DocumentId"/>.</summary>
    public static readonly DocumentCollection<MergeRules> Rules = new("merge_rules");

    public static readonly IDocumentCollection[] All = [Merges, MergedContacts, Rules];
}

/// <summary>The merges' queries and re-keying writes, in one place so their cost is reviewable (rendered in <c>queries.approved.md</c>).</summary>
public static class MergeQueries
{
    /// <summary>How many merges a list by contact returns at most (merges of one person are few).</summary>
    public const int MaxListed = 100;

    /// <summary>How many of the survivor's orders or ledger entries recorded after a merge an un-merge reads at most.</summary>
    public const int MaxSince = 10_000;

    /// <summary>A survivor's merges newest first; index <c>survivor_at</c>.</summary>
    public static Query<ContactMerge> OfSurvivor(string survivorId) =>
        MergeCollections.Merges.Find(Filter<ContactMerge>.Eq(x => x.SurvivorId, survivorId)).OrderByDescending(x => x.At).ThenByDescending(x => x.Id).Take(MaxListed);

    /// <summary>
    /// The merges a contact took part in (as survivor or merged), newest first. The survivor side uses <c>survivor_at</c>;
    /// the merged side is an array membership test (a scan of <c>contact_merges</c>, which holds one small set of
    /// documents per merge: merges are rare).
    /// </summary>
    public static Query<ContactMerge> OfContact(string contactId) =>
        MergeCollections.Merges.Find(Filter<ContactMerge>.Eq(x => x.SurvivorId, contactId) | Filter<ContactMerge>.Contains(x => x.MergedIds, contactId))
            .OrderByDescending(x => x.At).ThenByDescending(x => x.Id).Take(MaxListed);

    /// <summary>The survivor's orders recorded after <paramref name="at"/> (they stay with it on an un-merge); index <c>contact_placed</c> on the contact.</summary>
    public static Query<Order> OrdersRecordedSince(string contactId, DateTimeOffset at) =>
        OrderCollections.Orders.Find(Filter<Order>.Eq(x => x.ContactId, contactId) & Filter<Order>.Gt(x => x.RecordedAt, at))
            .OrderByDescending(x => x.PlacedAt).ThenByDescending(x => x.Id).Take(MaxSince);

    /// <summary>The survivor's ledger entries after <paramref name="at"/>, oldest first (replayed on its restored consent); index <c>contact_at</c>.</summary>
    public static Query<ConsentLedgerEntry> LedgerSince(string contactId, DateTimeOffset at) =>
        ConsentCollections.Ledger.Find(Filter<ConsentLedgerEntry>.Eq(x => x.ContactId, contactId) & Filter<ConsentLedgerEntry>.Gt(x => x.At, at))
            .OrderBy(x => x.At).ThenBy(x => x.Id).Take(MaxSince);

    /// <summary>The identity <paramref name="key"/> re-pointed from <paramref name="from"/> to <paramref name="to"/> when <paramref name="from"/> still owns it (by id).</summary>
    public static WriteOperation RepointIdentity(string key, string from, string to) =>
        Write.Update(
            ContactCollections.Identities,
            Filter<IdentityOwner>.Eq(x => x.Id, key) & Filter<IdentityOwner>.Eq(x => x.ContactId, from),
            new Update<IdentityOwner>().Set(x => x.ContactId, to),
            expectOne: false);

    /// <summary>The timeline entries of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge; index <c>contact_occurred</c>.</summary>
    public static WriteOperation MoveTimeline(string mergeId, string from, string to) =>
        Write.Update(
            TimelineCollections.Timeline,
            Filter<TimelineEntry>.Eq(x => x.ContactId, from),
            new Update<TimelineEntry>().Set(x => x.ContactId, to).Set(x => x.MergeId, mergeId).Set(x => x.MergedFromContactId, from),
            expectOne: false);

    /// <summary>The timeline entries <paramref name="mergeId"/> moved from <paramref name="to"/> to <paramref name="survivorId"/>, moved back; index <c>contact_occurred</c>.</summary>
    public static WriteOperation MoveTimelineBack(string mergeId, string survivorId, string to) =>
        Write.Update(
            TimelineCollections.Timeline,
            Filter<TimelineEntry>.Eq(x => x.ContactId, survivorId) & Filter<TimelineEntry>.Eq(x => x.MergeId, mergeId) & Filter<TimelineEntry>.Eq(x => x.MergedFromContactId, to),
            new Update<TimelineEntry>().Set(x => x.ContactId, to).Unset(x => x.MergeId).Unset(x => x.MergedFromContactId),
            expectOne: false);

    /// <summary>The orders of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge; index <c>contact_placed</c>.</summary>
    public static WriteOperation MoveOrders(string mergeId, string from, string to) =>
        Write.Update(
            OrderCollections.Orders,
            Filter<Order>.Eq(x => x.ContactId, from),
            new Update<Order>().Set(x => x.ContactId, to).Set(x => x.MergeId, mergeId).Set(x => x.MergedFromContactId, from),
            expectOne: false);

    /// <summary>The orders <paramref name="mergeId"/> moved, moved back to <paramref name="to"/>; index <c>contact_placed</c>.</summary>
    public static WriteOperation MoveOrdersBack(string mergeId, string survivorId, string to) =>
        Write.Update(
            OrderCollections.Orders,
            Filter<Order>.Eq(x => x.ContactId, survivorId) & Filter<Order>.Eq(x => x.MergeId, mergeId) & Filter<Order>.Eq(x => x.MergedFromContactId, to),
            new Update<Order>().Set(x => x.ContactId, to).Unset(x => x.MergeId).Unset(x => x.MergedFromContactId),
            expectOne: false);

    /// <summary>The consent ledger entries of <paramref name="from"/> moved to <paramref name="to"/> (kept: they stay evidence), marked with the merge; index <c>contact_at</c>.</summary>
    public static WriteOperation MoveLedger(string mergeId, string from, string to) =>
        Write.Update(
            ConsentCollections.Ledger,
            Filter<ConsentLedgerEntry>.Eq(x => x.ContactId, from),
            new Update<ConsentLedgerEntry>().Set(x => x.ContactId, to).Set(x => x.MergeId, mergeId).Set(x => x.MergedFromContactId, from),
            expectOne: false);

    /// <summary>The ledger entries <paramref name="mergeId"/> moved, moved back to <paramref name="to"/>; index <c>contact_at</c>.</summary>
    public static WriteOperation MoveLedgerBack(string mergeId, string survivorId, string to) =>
        Write.Update(
            ConsentCollections.Ledger,
            Filter<ConsentLedgerEntry>.Eq(x => x.ContactId, survivorId) & Filter<ConsentLedgerEntry>.Eq(x => x.MergeId, mergeId) & Filter<ConsentLedgerEntry>.Eq(x => x.MergedFromContactId, to),
            new Update<ConsentLedgerEntry>().Set(x => x.ContactId, to).Unset(x => x.MergeId).Unset(x => x.MergedFromContactId),
            expectOne: false);
}
