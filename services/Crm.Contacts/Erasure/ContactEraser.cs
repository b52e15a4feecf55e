using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Erasure;

/// <summary>
/// What Contacts holds about a person, erased in one unit of work: the contact and its identities (a later capture with
/// the same e-mail creates a new person), the timeline, the owners, the behavioural summary (and its recency timer); the
/// consent state and ledger kept as evidence without their free texts (wording, reasons); orders kept for the books under
/// the contact id, which no longer names anyone. A tombstone keeps later events from writing about the contact again.
/// Returns how many records were erased or anonymised.
/// </summary>
public static class ContactEraser
{
    public static async Task<int> CollectAsync(UnitOfWork unit, Contact contact, string requestId, CancellationToken cancellationToken)
    {
        var records = 1;
        unit.Delete(ContactCollections.Contacts, Filter<Contact>.Eq(x => x.Id, contact.Id) & Filter<Contact>.Eq(x => x.Version, contact.Version), expectOne: true);
        foreach (var identity in ContactRecords.Identities(contact))
        {
            unit.Delete(ContactCollections.Identities, Filter<IdentityOwner>.Eq(x => x.Id, identity.Key) & Filter<IdentityOwner>.Eq(x => x.ContactId, contact.Id));
            records++;
        }

        unit.Delete(TimelineCollections.Timeline, ContactRecords.Timeline(contact.Id).Filter);
        unit.Delete(OwnershipCollections.Owners, Filter<ContactOwners>.Eq(x => x.Id, contact.Id));
        unit.Delete(OrderCollections.Summaries, Filter<CustomerSummary>.Eq(x => x.Id, contact.Id));
        unit.CancelTimer(Loyalty.TimerKind, contact.Id);

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
        return records;
    }
}
