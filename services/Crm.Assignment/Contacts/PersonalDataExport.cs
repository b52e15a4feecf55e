using Crm.Assignment.Assignments;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;

namespace Crm.Assignment.Contacts;

/// <summary>
/// Which of Assignment's records belong to a contact, written once: the GDPR export reads them and the erasure
/// (<see cref="EraseOnErasureRequested"/>) anonymises the same ones, so the two never disagree. A merge moves a merged
/// contact's assignments to the survivor (<see cref="AssignmentRekeyer"/>), so the survivor's id finds them all.
/// </summary>
public static class ContactRecords
{
    /// <summary>The most lead assignments of one contact one erasure or export handles.</summary>
    public const int MaxLeads = AssignmentRekeyer.MaxLeadsPerContact;

    /// <summary>The contact's lead assignments (owner, routing facts, SLA clock, history), by id.</summary>
    public static Query<LeadAssignment> Assignments(string contactId) => AssignmentQueries.OfContacts([contactId]);
}

/// <summary>
/// gRPC <c>crm.personaldata.v1.PersonalData</c> on Assignment's h2c port: section <c>assignments</c> — each of the
/// contact's leads as Assignment keeps it (status, owner, routing facts such as region, language and interest, the
/// rule's explanation, the SLA clock and the history), at most <see cref="ContactRecords.MaxLeads"/>. A rep's work
/// queue is computed from these; notifications to reps carry a lead id and no personal data, so they are not exported.
/// </summary>
public sealed class PersonalDataExportService(IDocumentStore store) : PersonalData.Grpc.PersonalData.PersonalDataBase
{
    public override async Task<ExportReply> Export(ExportRequest request, ServerCallContext context)
    {
        var contactId = PersonalDataSections.ContactIdOf(request);
        var assignments = await store.FindAsync(ContactRecords.Assignments(contactId).Take(ContactRecords.MaxLeads + 1), context.CancellationToken);
        return PersonalDataSections.Reply(
            AssignmentService.Name,
            "Assignment keeps, per lead of the person, who owns it, the routing facts, the SLA clock and the history; the work queues are computed from them.",
            PersonalDataSections.Of("assignments", assignments, ContactRecords.MaxLeads));
    }
}
