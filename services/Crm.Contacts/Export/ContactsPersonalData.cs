using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Erasure;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Export;

/// <summary>
/// Contacts' own part of an export, read in-process (no call to itself) in the shape every other service answers over
/// gRPC: the records <see cref="ContactRecords"/> names — the ones an erasure deletes or anonymises, and the orders it keeps.
/// </summary>
public static class ContactsPersonalData
{
    public static async Task<ExportReply> ReadAsync(IDocumentStore store, Contact contact, CancellationToken cancellationToken)
    {
        var id = contact.Id;
        var identities = await store.GetManyAsync(ContactCollections.Identities, ContactRecords.Identities(contact).Select(i => i.Key), cancellationToken);
        var consent = await store.GetAsync(ConsentCollections.Consents, id, cancellationToken);
        var ledger = await store.FindAsync(ContactRecords.ConsentLedger(id).Take(ContactRecords.MaxPerKind + 1), cancellationToken);
        var orders = await store.FindAsync(ContactRecords.Orders(id).Take(ContactRecords.MaxPerKind + 1), cancellationToken);
        var summary = await store.GetAsync(OrderCollections.Summaries, id, cancellationToken);
        var timeline = await store.FindAsync(ContactRecords.Timeline(id), cancellationToken);
        var owners = await store.GetAsync(OwnershipCollections.Owners, id, cancellationToken);
        return PersonalDataSections.Reply(
            ContactsService.Name,
            "Contacts keeps the person's profile and identities, consent with its ledger, orders with the summary built from them, the timeline of interactions and the reps who own them.",
            PersonalDataSections.Of("contact", new[] { contact }),
            PersonalDataSections.Of("identities", identities.Where(i => i.ContactId == id).OrderBy(i => i.Id, StringComparer.Ordinal).ToList()),
            PersonalDataSections.Of("consent", OneOrNone(consent)),
            PersonalDataSections.Of("consentLedger", ledger),
            PersonalDataSections.Of("orders", orders),
            PersonalDataSections.Of("summary", OneOrNone(summary)),
            PersonalDataSections.Of("timeline", timeline),
            PersonalDataSections.Of("owners", OneOrNone(owners)));
    }

    private static IReadOnlyList<T> OneOrNone<T>(T? document)
        where T : class => document is null ? [] : [document];
}
