using System.Text.Json;
using Crm.Contacts.Contacts;
using Crm.Contracts.Api.Contacts;
using Crm.PersonalData.Grpc;
using Grpc.Core;
using Grpc.Net.ClientFactory;

namespace Crm.Contacts.Export;

/// <summary>
/// Asks every service that holds data about people (<see cref="ContactsOptions.ExportServices"/>: the services of an
/// erasure but Contacts itself) for its part of a GDPR export, all at once over gRPC (<c>PersonalData/Export</c>, named
/// clients at <c>Services:&lt;service&gt;:Grpc</c>), each call bounded by <see cref="ContactsOptions.ExportDeadline"/>.
/// Logs the contact id, the service and the status of a call that failed — never what came back.
/// </summary>
public sealed class PersonalDataGatherer(GrpcClientFactory clients, ContactsOptions options, ILogger<PersonalDataGatherer> logger)
{
    /// <summary>The address key of <paramref name="service"/>'s gRPC port, e.g. <c>Services:leads:Grpc</c> (environment <c>Services__Leads__Grpc</c>).</summary>
    public static string AddressKey(string service) => $"Services:{service}:Grpc";

    /// <summary>Every service's reply, or the services that did not answer in time (or answered with an error).</summary>
    public async Task<(IReadOnlyList<ExportReply> Replies, IReadOnlyList<string> Failed)> GatherAsync(string contactId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + options.ExportDeadline;
        var calls = options.ExportServices.Select(async service =>
        {
            try
            {
                var client = clients.CreateClient<Crm.PersonalData.Grpc.PersonalData.PersonalDataClient>(service);
                var reply = await client.ExportAsync(new ExportRequest { ContactId = contactId }, deadline: deadline, cancellationToken: cancellationToken);
                return (Service: service, Reply: reply);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Export of contact {ContactId}: {Service} did not answer ({StatusCode})", contactId, service, e.StatusCode);
                return (Service: service, Reply: (ExportReply?)null);
            }
        });
        var answers = await Task.WhenAll(calls);
        return ([.. answers.Where(a => a.Reply is not null).Select(a => a.Reply!)], [.. answers.Where(a => a.Reply is null).Select(a => a.Service)]);
    }

    /// <summary>A reply as the export document's part of that service.</summary>
    public static ServicePersonalData ToResponse(ExportReply reply) => new()
    {
        Records = reply.Sections.ToDictionary(s => s.Kind, s => JsonDocument.Parse(s.Json).RootElement.Clone(), StringComparer.Ordinal),
        Note = string.IsNullOrEmpty(reply.Note) ? null : reply.Note,
        Truncated = [.. reply.Sections.Where(s => s.Truncated).Select(s => s.Kind)],
    };
}
