using Crm.Leads.Leads;
using Crm.Leads.Signals;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;

namespace Crm.Leads.Contacts;

/// <summary>
/// Which of Leads' records belong to a contact, written once: the GDPR export reads them and the erasure
/// (<see cref="EraseLeadsOnErasureRequested"/>) anonymises or deletes the same ones, so the two never disagree.
/// A merge moves a merged contact's leads to the survivor (<see cref="LeadsRekeyer"/>), so the survivor's
/// id finds them all.
/// </summary>
public static class ContactRecords
{
    /// <summary>The most leads of one contact one erasure or export handles (a contact has a handful).</summary>
    public const int MaxLeads = PersonalDataSections.MaxRecordsPerKind;

    /// <summary>The contact's leads (with identities, free fields, UTM tags, stage history and activities), newest first.</summary>
    public static Query<Lead> Leads(string contactId) => LeadQueries.OfContact(contactId);

    /// <summary>The signal records of these leads (kept 30 days), by lead and id.</summary>
    public static Query<SignalRecord> SignalsOf(IReadOnlyList<string> leadIds) =>
        SignalCollections.Signals.Find(Filter<SignalRecord>.In(x => x.LeadId, leadIds)).OrderBy(x => x.LeadId).ThenBy(x => x.Id);
}

/// <summary>
/// gRPC <c>crm.personaldata.v1.PersonalData</c> on Leads' h2c port: sections <c>leads</c> (each lead as stored: name,
/// e-mail, phone, external id, fields, UTM tags, budget, stage history, activities, signal buckets, scores, owner) and
/// <c>signals</c> (the signal records of those leads), at most <see cref="PersonalDataSections.MaxRecordsPerKind"/> of each.
/// </summary>
public sealed class PersonalDataExportService(IDocumentStore store) : PersonalData.Grpc.PersonalData.PersonalDataBase
{
    public override async Task<ExportReply> Export(ExportRequest request, ServerCallContext context)
    {
        var contactId = PersonalDataSections.ContactIdOf(request);
        var leads = await store.FindAsync(ContactRecords.Leads(contactId).Take(ContactRecords.MaxLeads + 1), context.CancellationToken);
        var leadIds = leads.Take(ContactRecords.MaxLeads).Select(l => l.Id).ToList();
        var signals = leadIds.Count == 0
            ? []
            : await store.FindAsync(ContactRecords.SignalsOf(leadIds).Take(PersonalDataSections.MaxRecordsPerKind + 1), context.CancellationToken);
        return PersonalDataSections.Reply(
            LeadsService.Name,
            "Leads keeps the leads captured for the person and the signal records of those leads (30 days).",
            PersonalDataSections.Of("leads", leads, ContactRecords.MaxLeads),
            PersonalDataSections.Of("signals", signals));
    }
}
