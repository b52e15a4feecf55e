using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Orders;
using Crm.Contacts.Profile;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Erasure;

/// <summary>
/// Which of Contacts' records belong to a contact, written once: the erasure (<see cref="ContactEraser"/>) deletes or
/// anonymises them and the GDPR export (<c>Export/</c>) returns them, so the two never disagree. By the contact's id:
/// the contact, its summary, its owners and its consent state (documents with the contact's id); by the contact's
/// identities: the identity index; by the contact id field: the timeline, the consent ledger and the orders.
/// </summary>
public static class ContactRecords
{
    /// <summary>The most records of one kind an export returns (the timeline and ledger of one person stay far below).</summary>
    public const int MaxPerKind = PersonalDataSections.MaxRecordsPerKind;

    /// <summary>The identity index entries of the contact (e-mails, phones, external ids), by key.</summary>
    public static IReadOnlyList<ContactIdentity> Identities(Contact contact) =>
        [.. ContactProfileEditor.IdentitiesOf(contact).Select(i => i.Identity)];

    /// <summary>The contact's timeline, newest first (read one more than <see cref="MaxPerKind"/> to see a truncation).</summary>
    public static Query<TimelineEntry> Timeline(string contactId) => TimelineQueries.NewestFirst(contactId, MaxPerKind + 1);

    /// <summary>The contact's consent ledger, newest first.</summary>
    public static Query<ConsentLedgerEntry> ConsentLedger(string contactId) => ConsentQueries.LedgerNewestFirst(contactId);

    /// <summary>The contact's orders, newest first (an erasure keeps them for the books under the id, which names nobody then).</summary>
    public static Query<Order> Orders(string contactId) => OrderQueries.OfContact(contactId);
}
