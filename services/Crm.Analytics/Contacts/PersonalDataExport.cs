using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.PersonalData;
using Grpc.Core;

namespace Crm.Analytics.Contacts;

/// <summary>
/// What Analytics holds about a contact, said once for the erasure (<see cref="ConfirmErasureOnErasureRequested"/>: 0
/// records) and the GDPR export (no section): nothing. Its only collection, <c>counters</c>, holds per UTC day a metric,
/// a key (a lead source, a channel, a grade, or empty) and a count — never a contact id, lead id, name or address.
/// </summary>
public static class ContactRecords
{
    /// <summary>How many records Analytics holds about any one person.</summary>
    public const int Count = 0;

    public const string Statement =
        "Analytics holds no record about a person: only daily counts per metric and per lead source, channel or grade, without contact ids, lead ids, names or addresses.";
}

/// <summary>gRPC <c>crm.personaldata.v1.PersonalData</c> on Analytics' h2c port: no section, and <see cref="ContactRecords.Statement"/> as the note.</summary>
public sealed class PersonalDataExportService : PersonalData.Grpc.PersonalData.PersonalDataBase
{
    public override Task<ExportReply> Export(ExportRequest request, ServerCallContext context)
    {
        PersonalDataSections.ContactIdOf(request);
        return Task.FromResult(PersonalDataSections.Reply(AnalyticsService.Name, ContactRecords.Statement));
    }
}
