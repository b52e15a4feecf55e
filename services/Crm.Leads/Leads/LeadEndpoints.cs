using Crm.Contracts.Api.Leads;
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
            .Accepts<CaptureLeadRequest>("application/json")
            .Produces<LeadResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetLead")
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
