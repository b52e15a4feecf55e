using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary><c>POST /api/leads</c> and <c>GET /api/leads/{id}</c>.</summary>
public static class LeadEndpoints
{
    public static RouteGroupBuilder MapLeadEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("", (HttpContext context, CaptureLeadHandler handler, CancellationToken cancellationToken) => handler.HandleAsync(context, cancellationToken))
            .WithName("CaptureLead")
            .WithSummary("Capture a lead")
            .WithDescription(
                "Stores a lead from a web form, an ad platform or any integration: the person is resolved to a contact " +
                "(by e-mail or phone), the lead is scored at once and assigned to a rep asynchronously (`ownerId` stays null " +
                "until then). At least one of `email` and `phone` is required; unknown fields are rejected. When Contacts " +
                "cannot answer, the lead is stored all the same and answered **202** with `contactPending: true` (no score " +
                "events, no owner yet): it is resolved, scored, assigned and welcomed as soon as Contacts answers; read it at " +
                "`Location`.")
            .WithRequestHeader(
                CaptureLeadHandler.IdempotencyHeader,
                "Makes retries safe: a retry with the same key and body returns the first response (201 or 202) without a second " +
                "lead; the same key with another body is a 409. Keys are the caller's own and kept at least 24 h.",
                CaptureLeadHandler.MaxIdempotencyKey)
            .Accepts<CaptureLeadRequest>("application/json")
            .WithRequestExample(new CaptureLeadRequest
            {
                Name = "Anna Schmidt",
                Email = "anna@example.com",
                Phone = "+49 30 1234567",
                Source = "spring-landing",
                Channel = Channel.Web,
                PagesVisited = 4,
                LastInteractionAt = new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero),
                Fields = new Dictionary<string, string> { ["interest"] = "premium plan", ["utm_campaign"] = "spring" },
            })
            .Produces<LeadResponse>(StatusCodes.Status201Created)
            .Produces<LeadResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetLead")
            .WithSummary("Get a lead")
            .WithDescription("The lead with its score, the score's explanation and, once assigned, its owner.")
            .WithParameterDescription("id", "The lead's id (from the `id` of the capture response or `Location`).")
            .Produces<LeadResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>
    /// A lead the caller may not see (a rep's colleague's, another team's: <see cref="CallerIdentity.Sees"/>) is
    /// answered exactly like one that does not exist.
    /// </summary>
    private static async Task<IResult> GetAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var lead = id.Length <= 100 ? await store.GetAsync(LeadCollections.Leads, id, cancellationToken) : null;
        return lead is null || http.Caller()?.Sees(lead.OwnerId, lead.OwnerTeamId) != true
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Lead not found.", detail: $"There is no lead '{id}'.")
            : Results.Ok(lead.ToResponse());
    }
}
