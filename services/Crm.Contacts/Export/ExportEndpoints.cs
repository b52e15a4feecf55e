using Crm.Contacts.Erasure;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api.Contacts;
using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.GrpcClients;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Export;

/// <summary>
/// GDPR export (art. 15 and 20): <c>GET /api/contacts/{id}/export</c>, <c>contacts:admin</c>. Synchronous: every service
/// reads a handful of indexed records per person (at most 1000 per kind), so all answer within milliseconds; the calls
/// run in parallel under one deadline (<c>Contacts:ExportDeadline</c>, 10 s) — no job to poll, nothing stored.
/// </summary>
public static class ExportEndpoints
{
    /// <summary>A named <c>PersonalData</c> client per service of <see cref="ContactsOptions.ExportServices"/> (each address required at start), and the gatherer.</summary>
    public static WebApplicationBuilder AddExport(this WebApplicationBuilder builder, ContactsOptions options)
    {
        foreach (var service in options.ExportServices)
        {
            builder.AddCrmGrpcClient<Crm.PersonalData.Grpc.PersonalData.PersonalDataClient>(PersonalDataGatherer.AddressKey(service), service);
        }

        builder.Services.AddSingleton<PersonalDataGatherer>();
        return builder;
    }

    public static RouteGroupBuilder MapExportEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/export", ExportAsync)
            .RequireAccess(Access.Admin)
            .WithName("ExportContact")
            .WithSummary("Export everything held about a contact (GDPR)")
            .WithDescription("One JSON document with what every service holds about the person: `services.contacts` (contact, identities, consent, " +
                "consentLedger, orders, summary, timeline, owners), `services.leads` (leads with identities, fields, stage history; signals), " +
                "`services.assignment` (assignments with owner, SLA clock, history), `services.messaging` (messages with address and subject; " +
                "erasures), `services.analytics` (nothing: a note says why). Each kind is an array of the records as the service stores them, " +
                "at most 1000 (`truncated` lists a kind with more). Gathered over gRPC within `Contacts:ExportDeadline` (10 s): a service that " +
                "does not answer makes it a **503** naming the services (never a partial export). An erased contact is a **410** naming the " +
                "erasure request. Needs `contacts:admin`.")
            .WithParameterDescription("id", "The contact's id.")
            .Produces<ContactExportResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> ExportAsync(string id, IDocumentStore store, PersonalDataGatherer gatherer, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (id.Length <= 100 && await store.GetAsync(ErasureCollections.Erased, id, cancellationToken) is { } erased)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status410Gone,
                title: "Contact erased.",
                detail: $"The contact '{id}' was erased at {erased.ErasedAt:O} (request '{erased.RequestId}'): no service holds data about the person any more.",
                extensions: new Dictionary<string, object?> { ["requestId"] = erased.RequestId, ["erasedAt"] = erased.ErasedAt });
        }

        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is not { } contact)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");
        }

        var others = gatherer.GatherAsync(id, cancellationToken);
        var own = await ContactsPersonalData.ReadAsync(store, contact, cancellationToken);
        var (replies, failed) = await others;
        if (failed.Count > 0)
        {
            return Unavailable.Problem(
                "Not every service answered.",
                $"No export: {string.Join(", ", failed)} did not answer within the deadline. Try again later.",
                new Dictionary<string, object?> { ["services"] = failed });
        }

        return Results.Ok(new ContactExportResponse
        {
            ContactId = id,
            GeneratedAt = time.GetUtcNow(),
            Services = new[] { own }.Concat(replies).ToDictionary(r => r.Service, PersonalDataGatherer.ToResponse, StringComparer.Ordinal),
        });
    }
}
