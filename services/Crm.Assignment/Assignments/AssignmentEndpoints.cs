using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Assignments;

/// <summary>
/// <c>/api/assignment/leads/{leadId}</c> (where a lead stands) and <c>/api/assignment/backlog</c> (who waits, in serving
/// order). The ownership rule (<see cref="CallerIdentity.Sees"/>): a rep sees the leads assigned to them, a team lead
/// those of their team's reps, managers, admins and keys every lead; a lead the caller may not see is 404 like an
/// unknown one. Backlog leads have no owner yet, so only callers who see everything see them.
/// </summary>
public static class AssignmentEndpoints
{
    public static RouteGroupBuilder MapAssignmentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/leads/{leadId}", GetLeadAsync)
            .WithName("GetLeadAssignment")
            .WithSummary("Where a lead stands in assignment")
            .WithDescription(
                "`assigned` with its rep, or `backlog` while no rep has free capacity. 404 until Assignment has received the scored lead " +
                "(assignment is asynchronous), and 404 when the caller may not see it: a rep sees the leads assigned to them, a team lead " +
                "those of their team's reps, managers, admins and API keys every lead (a lead in the backlog has no owner yet).")
            .WithParameterDescription("leadId", "The lead's id.")
            .Produces<LeadAssignmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/backlog", ListBacklogAsync)
            .WithName("ListBacklog")
            .WithSummary("List the backlog")
            .WithDescription(
                "Leads waiting for a rep with free capacity, in the order they will be served. Backlog leads have no owner yet, so " +
                "like every list it shows only what the caller sees: managers, admins and API keys the whole backlog, reps and team " +
                "leads an empty page.")
            .Produces<Page<LeadAssignmentResponse>>()
            .ProducesValidationProblem();
        return api;
    }

    private static async Task<IResult> GetLeadAsync(string leadId, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var lead = await store.GetAsync(AssignmentCollections.Leads, leadId, cancellationToken);

        // The rep's current name (a rename shows at once) and team (whose lead sees it).
        var rep = lead?.RepId is null ? null : await store.GetAsync(AssignmentCollections.Reps, lead.RepId, cancellationToken);
        if (lead is null || http.Caller()?.Sees(lead.RepId, rep?.TeamId) != true)
        {
            // A lead the caller may not see is answered exactly like one Assignment has not seen.
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Lead not found.", detail: $"Assignment has not seen a scored lead with id '{leadId}'.");
        }

        return Results.Ok((lead with { RepName = rep?.Name }).ToResponse());
    }

    private static async Task<IResult> ListBacklogAsync([FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(AssignmentQueries.Backlog(), cursor, errors);
        errors.ThrowIfAny();
        if (http.Caller()?.SeesEverything != true)
        {
            // Nobody owns a lead in the backlog: a rep or team lead sees none of it (as Leads lists only what the caller sees).
            return Results.Ok(new Page<LeadAssignmentResponse> { Items = [] });
        }

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<LeadAssignmentResponse> { Items = page.Items.Select(l => l.ToResponse()).ToList(), NextCursor = page.NextCursor });
    }
}
