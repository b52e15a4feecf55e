using System.Text.Json;
using Crm.PersonalData.Grpc;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace Crm.Testing;

/// <summary>A service's GDPR export (<c>crm.personaldata.v1.PersonalData/Export</c>) called in-process, and its sections read back.</summary>
public static class PersonalDataExports
{
    public static async Task<ExportReply> ExportPersonalDataAsync<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory, string contactId)
        where TEntryPoint : class
    {
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        return await new Crm.PersonalData.Grpc.PersonalData.PersonalDataClient(channel).ExportAsync(new ExportRequest { ContactId = contactId });
    }

    /// <summary>The records of one kind (the section must be there, its count and JSON agreeing).</summary>
    public static IReadOnlyList<JsonElement> Records(this ExportReply reply, string kind)
    {
        var section = Assert.Single(reply.Sections, s => s.Kind == kind);
        var records = JsonDocument.Parse(section.Json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        Assert.Equal(section.Count, records.Count);
        return records;
    }

    /// <summary>A string member of a record (null when absent).</summary>
    public static string? Text(this JsonElement record, string member) =>
        record.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
