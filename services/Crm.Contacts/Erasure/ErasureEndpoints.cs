using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api.Contacts;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Erasure;

/// <summary>GDPR erasure (art. 17): <c>POST /api/contacts/{id}/erasure</c> and <c>GET /api/contacts/erasures/{requestId}</c>, both <c>contacts:admin</c>.</summary>
public static class ErasureEndpoints
{
    public const string ServiceName = "contacts";

    public static RouteGroupBuilder MapErasureEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/erasure", RequestAsync)
            .RequireAccess(Access.Admin)
            .WithName("RequestContactErasure")
            .WithSummary("Erase a contact (GDPR)")
            .WithDescription("Erases what Contacts holds about the person at once (contact, identities, timeline, owners, summary; consent kept as " +
                "evidence without free texts; orders kept under the id, which names nobody any more) and publishes `ContactErasureRequested`: " +
                "every service erases or anonymises its data and confirms with `ContactDataErased`. Answers **202** with the request (`Location`); " +
                "read its status there. Events about the contact that arrive later add nothing. Needs `contacts:admin`.")
            .WithParameterDescription("id", "The contact's id.")
            .Produces<ErasureResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/erasures/{requestId}", GetAsync)
            .RequireAccess(Access.Admin)
            .WithName("GetContactErasure")
            .WithSummary("Get an erasure request's status")
            .WithDescription("Which services confirmed, which not yet; `overdue` once the deadline (`Contacts:ErasureDeadline`, default 30 days) passed without every confirmation.")
            .WithParameterDescription("requestId", "The request's id (from the erasure's answer).")
            .Produces<ErasureResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> RequestAsync(string id, UnitOfWork unit, SendFences fences, ContactsOptions options, HttpContext http, CancellationToken cancellationToken)
    {
        if (await ContactAccess.VisibleContactAsync(unit.Store, http, id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        // Behind the closed send fence (every channel), as a withdrawal: no message handed over after the erasure committed.
        ErasureRequest? request;
        try
        {
            request = await fences.CommitClosedAsync(id, null, async () =>
            {
                if (await ContactAccess.VisibleContactAsync(unit.Store, http, id, cancellationToken) is not { } contact)
                {
                    return null;
                }

                var requestId = Ids.New();
                var records = await ContactEraser.CollectAsync(unit, contact, requestId, options.ErasureSweepDelay, cancellationToken);
                var erasure = new ErasureRequest
                {
                    Id = requestId,
                    ContactId = id,
                    RequestedAt = unit.Now,
                    RequestedBy = http.Actor(),
                    Deadline = unit.Now + options.ErasureDeadline,
                    Services = options.ErasureServices,
                    Confirmations = [new ErasureConfirmation(ServiceName, unit.Now, records)],
                };
                unit.Insert(ErasureCollections.Requests, erasure);
                unit.Publish(new ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = unit.Now, ContactId = id, RequestId = requestId });
                unit.Publish(new ContactDataErased { EventId = Guid.NewGuid(), OccurredAt = unit.Now, ContactId = id, RequestId = requestId, Service = ServiceName, Records = records });
                return erasure;
            },
            raceOn: null,
            cancellationToken);
        }
        catch (TimeoutException ex)
        {
            return Unavailable.Problem("Sends in flight did not end.", ex.Message);
        }

        if (request is null)
        {
            return NotFound(id);
        }

        return Results.Accepted($"/api/contacts/erasures/{request.Id}", request.ToResponse(unit.Now));
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");

    private static async Task<IResult> GetAsync(string requestId, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(ErasureCollections.Requests, requestId, cancellationToken) is { } request
            ? Results.Ok(request.ToResponse(time.GetUtcNow()))
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Erasure request not found.", detail: $"No erasure request has the id '{requestId}'.");
}
