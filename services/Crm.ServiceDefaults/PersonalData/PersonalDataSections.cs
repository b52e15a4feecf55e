using System.Text.Json;
using Crm.PersonalData.Grpc;
using Crm.ServiceDefaults.Storage;
using Grpc.Core;

namespace Crm.ServiceDefaults.PersonalData;

/// <summary>
/// The pieces of a GDPR export reply (<c>crm.personaldata.v1.PersonalData/Export</c>) every service builds the same way:
/// a section is a kind of record and a JSON array of the records as the store holds them (<see cref="DocumentJson"/>:
/// camelCase, enums as lower-case strings, UTC times), at most <c>cap</c> of them — read <c>cap + 1</c> so
/// <see cref="PersonalDataSection.Truncated"/> says when there were more.
/// </summary>
public static class PersonalDataSections
{
    /// <summary>The most records of one kind one export returns (each service reads its sections with this cap + 1).</summary>
    public const int MaxRecordsPerKind = 1000;

    public static PersonalDataSection Of<T>(string kind, IReadOnlyList<T> records, int cap = MaxRecordsPerKind)
    {
        var kept = records.Count > cap ? records.Take(cap).ToList() : records;
        return new PersonalDataSection
        {
            Kind = kind,
            Json = JsonSerializer.Serialize(kept, DocumentJson.Options),
            Count = kept.Count,
            Truncated = records.Count > cap,
        };
    }

    /// <summary>The request's contact id, or INVALID_ARGUMENT naming <c>contact_id</c>.</summary>
    public static string ContactIdOf(ExportRequest request) =>
        string.IsNullOrWhiteSpace(request.ContactId)
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, "contact_id: is required"), new Metadata { { "field", "contact_id" } })
            : request.ContactId;

    public static ExportReply Reply(string service, string? note, params PersonalDataSection[] sections)
    {
        var reply = new ExportReply { Service = service, Note = note ?? string.Empty };
        reply.Sections.AddRange(sections);
        return reply;
    }
}
