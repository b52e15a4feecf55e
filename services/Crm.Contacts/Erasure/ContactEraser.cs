using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Merge;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Erasure;

/// <summary>
/// What Contacts holds about a person, erased in one unit of work: the contact and its identities (a later capture with
/// the same e-mail creates a new person), the timeline, the owners, the behavioural summary (and its recency timer); the
/// consent state and ledger kept as evidence without their free texts (wording, reasons); orders kept for the books under
/// the contact id, which no longer names anyone. A tombstone keeps later events from writing about the contact again;
/// a consumer that checked for it just before it was committed may still commit its write, so a sweep
/// (<see cref="ErasureSweepTimer"/>, <c>Contacts:ErasureSweepDelay</c> later) removes those traces once more.
/// What the contact absorbed by merges goes with it, the merges' snapshots (<see cref="ContactMerge"/>) included.
/// Returns how many records were erased or anonymised.
/// </summary>
public static class ContactEraser
{
    public const string SweepKind = "contacts-erasure-sweep";

    public static async Task<int> CollectAsync(UnitOfWork unit, Contact contact, string requestId, TimeSpan sweepDelay, CancellationToken cancellationToken)
    {
        var records = 1;
        unit.Delete(ContactCollections.Contacts, Filter<Contact>.Eq(x => x.Id, contact.Id) & Filter<Contact>.Eq(x => x.Version, contact.Version), expectOne: true);
        foreach (var identity in ContactRecords.Identities(contact))
        {
            unit.Delete(ContactCollections.Identities, Filter<IdentityOwner>.Eq(x => x.Id, identity.Key) & Filter<IdentityOwner>.Eq(x => x.ContactId, contact.Id));
            records++;
        }

        ForgetTraces(unit, contact.Id);
        unit.Schedule(SweepKind, contact.Id, unit.Now + sweepDelay);

        if (await unit.GetAsync(ConsentCollections.Consents, contact.Id, cancellationToken) is { } consent)
        {
            var anonymised = consent with
            {
                Channels = [.. consent.Channels.Select(c => c with { Wording = null })],
                DoNotContact = consent.DoNotContact is { } dnc ? dnc with { Reason = null } : null,
                Version = consent.Version + 1,
            };
            unit.Replace(ConsentCollections.Consents, anonymised, consent.Version);
            records++;
        }

        unit.Update(
            ConsentCollections.Ledger,
            ContactRecords.ConsentLedger(contact.Id).Filter,
            new Update<ConsentLedgerEntry>().Unset(x => x.Wording).Unset(x => x.Reason),
            expectOne: false);
        unit.Insert(ErasureCollections.Erased, new ErasedContact { Id = contact.Id, RequestId = requestId, ErasedAt = unit.Now });

        // What the contact absorbed by merges went with it above (identities, timeline, owners, summary and ledger were
        // re-keyed to it); the merges' snapshots (the absorbed contacts' full documents, kept for an un-merge) go too, and
        // the absorbed ids are erased with it: such a merge can no longer be undone.
        foreach (var merge in await unit.FindAsync(MergeQueries.OfContact(contact.Id), cancellationToken))
        {
            unit.Delete(MergeCollections.Merges, Filter<ContactMerge>.Eq(x => x.Id, merge.Id));
            records++;
            if (merge.UndoneAt is null && merge.SurvivorId == contact.Id)
            {
                foreach (var absorbed in merge.MergedIds)
                {
                    unit.Delete(MergeCollections.MergedContacts, Filter<MergedContact>.Eq(x => x.Id, absorbed));
                    unit.InsertIfAbsent(ErasureCollections.Erased, new ErasedContact { Id = absorbed, RequestId = requestId, ErasedAt = unit.Now });
                }
            }
        }

        return records;
    }

    /// <summary>What events write about a contact (timeline, owners, summary and its timer, possible duplicates): deleted at the erasure and by the sweep.</summary>
    public static void ForgetTraces(UnitOfWork unit, string contactId)
    {
        unit.Delete(TimelineCollections.Timeline, ContactRecords.Timeline(contactId).Filter);
        unit.Delete(OwnershipCollections.Owners, Filter<ContactOwners>.Eq(x => x.Id, contactId));
        unit.Delete(OrderCollections.Summaries, Filter<CustomerSummary>.Eq(x => x.Id, contactId));
        unit.CancelTimer(Loyalty.TimerKind, contactId);
        Duplicates.DuplicateDetector.Forget(unit, contactId);
    }
}

/// <summary>
/// The erasure's sweep (<see cref="ContactEraser.SweepKind"/>, key = the contact id): removes what a consumer wrote about the
/// erased contact after checking the tombstone just before it was committed (a race the tombstone alone cannot close).
/// </summary>
public sealed class ErasureSweepTimer : ITimerHandler
{
    public string Kind => ContactEraser.SweepKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (await ErasureCollections.IsErasedAsync(unit, timer.Key, cancellationToken))
        {
            ContactEraser.ForgetTraces(unit, timer.Key);
        }
    }
}
