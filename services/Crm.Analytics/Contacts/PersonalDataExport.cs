using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;

namespace Crm.Analytics.Contacts;

/// <summary>
/// Which of Analytics' records belong to a contact, written once: the GDPR export reads them and the erasure
/// (<see cref="ConfirmErasureOnErasureRequested"/>) unlinks the same ones. They hold ids, times, amounts, channels,
/// sources, campaigns and segment ids only — never a name, an address or a message: the contact's <c>customers</c> document and the
/// <c>lead_facts</c> of the contact's leads. Daily <c>counters</c> and <c>message_facts</c> name nobody.
/// </summary>
public static class ContactRecords
{
    /// <summary>The most lead facts of one contact one erasure or export handles.</summary>
    public const int MaxLeads = 1000;

    public const string Statement =
        "Analytics keeps, for KPIs, the person's orders (ids, times, amounts), leads (ids, times, channel, source, campaign, owner, stages, outcome) and segment memberships (segment ids, joined or left, times) under their contact id; no name, address or message.";

    /// <summary>The anonymous id an erased contact's customer document moves to (one per erasure request).</summary>
    public static string AnonymousIdFor(string requestId) => $"erased-{requestId.Trim()}";
}

/// <summary>gRPC <c>crm.personaldata.v1.PersonalData</c> on Analytics' h2c port: sections <c>customer</c> (0 or 1) and <c>lead-facts</c>.</summary>
public sealed class PersonalDataExportService(IDocumentStore store) : PersonalData.Grpc.PersonalData.PersonalDataBase
{
    public override async Task<ExportReply> Export(ExportRequest request, ServerCallContext context)
    {
        var contactId = PersonalDataSections.ContactIdOf(request);
        var customer = await store.GetAsync(CustomerCollections.Customers, contactId, context.CancellationToken);
        var leads = await store.FindAsync(LeadFactQueries.OfContact(contactId).Take(ContactRecords.MaxLeads + 1), context.CancellationToken);
        return PersonalDataSections.Reply(
            AnalyticsService.Name,
            ContactRecords.Statement,
            PersonalDataSections.Of("customer", customer is null ? [] : new[] { customer }),
            PersonalDataSections.Of("lead-facts", leads, ContactRecords.MaxLeads));
    }
}
