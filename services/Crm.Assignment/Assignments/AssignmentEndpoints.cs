using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Assignments;

/// <summary><c>/api/assignment/leads/{leadId}</c> (where a lead stands) and <c>/api/assignment/backlog</c> (who waits, in serving order).</summary>
public static class AssignmentEndpoints
{
    public static RouteGroupBuilder MapAssignmentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/leads/{leadId}", GetLeadAsync);
        api.MapGet("/backlog", ListBacklogAsync);
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
