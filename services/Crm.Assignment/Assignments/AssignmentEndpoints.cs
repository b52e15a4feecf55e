using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Assignments;

/// <summary><c>/api/assignment/leads/{leadId}</c> (where a lead stands) and <c>/api/assignment/backlog</c> (who waits, in serving order).</summary>
public static class AssignmentEndpoints
{
    public static RouteGroupBuilder MapAssignmentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/leads/{leadId}", GetLeadAsync)
            .WithName("GetLeadAssignment")
            .WithSummary("Where a lead stands in assignment")
            .WithDescription("`assigned` with its rep, or `backlog` while no rep has free capacity. 404 until Assignment has received the scored lead (assignment is asynchronous).")
            .WithParameterDescription("leadId", "The lead's id.")
            .Produces<LeadAssignmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/backlog", ListBacklogAsync)
            .WithName("ListBacklog")
            .WithSummary("List the backlog")
            .WithDescription("Leads waiting for a rep with free capacity, in the order they will be served.")
            .Produces<Page<LeadAssignmentResponse>>()
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<IResult> GetLeadAsync(string leadId, IDocumentStore store, CancellationToken cancellationToken)
    {
        var lead = await store.GetAsync(AssignmentCollections.Leads, leadId, cancellationToken);
        if (lead is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Lead not found.", detail: $"Assignment has not seen a scored lead with id '{leadId}'.");
        }

        // The rep's current name (a rename shows at once).
        var rep = lead.RepId is null ? null : await store.GetAsync(AssignmentCollections.Reps, lead.RepId, cancellationToken);
        return Results.Ok((lead with { RepName = rep?.Name }).ToResponse());
    }

    private static async Task<IResult> ListBacklogAsync([FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(AssignmentQueries.Backlog(), cursor, errors);
        errors.ThrowIfAny();

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<LeadAssignmentResponse> { Items = page.Items.Select(l => l.ToResponse()).ToList(), NextCursor = page.NextCursor });
    }
}
