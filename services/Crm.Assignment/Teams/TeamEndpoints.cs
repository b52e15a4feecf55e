using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Teams;

/// <summary><c>/api/assignment/teams</c>: teams with their lead and manager (administration), read with <c>assignment:read</c>.</summary>
public static class TeamEndpoints
{
    public static RouteGroupBuilder MapTeamEndpoints(this RouteGroupBuilder api)
    {
        api.MapPut("/teams/{id}", PutAsync)
            .RequireAccess(Access.Admin)
            .WithName("PutTeam")
            .WithSummary("Create or replace a team")
            .WithDescription("A team's name, lead and manager (rep ids that must exist). Reps join a team through their `teamId`; SLA escalations go to its lead, then its manager.")
            .WithParameterDescription("id", "The team's id (letters, digits, '-', '_' and '.'; the reps' `teamId`).")
            .WithRequestExample(new TeamRequest { Name = "North desk" })
            .Produces<TeamResponse>()
            .ProducesValidationProblem();
        api.MapGet("/teams", ListAsync)
            .WithName("ListTeams")
            .WithSummary("List teams")
            .Produces<Page<TeamResponse>>()
            .ProducesValidationProblem();
        api.MapGet("/teams/{id}", GetAsync)
            .WithName("GetTeam")
            .WithSummary("Get a team")
            .WithParameterDescription("id", "The team's id.")
            .Produces<TeamResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> PutAsync(string id, TeamRequest request, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (id.Length > Rep.TeamIdMaxLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add("id", $"Letters, digits, '-', '_' and '.', at most {Rep.TeamIdMaxLength} characters.");
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > Rep.NameMaxLength)
        {
            errors.Add("name", $"Required, at most {Rep.NameMaxLength} characters.");
        }

        foreach (var (field, repId) in new[] { ("leadRepId", request.LeadRepId), ("managerRepId", request.ManagerRepId) })
        {
            if (!string.IsNullOrEmpty(repId) && await unit.GetAsync(AssignmentCollections.Reps, repId, cancellationToken) is null)
            {
                errors.Add(field, $"There is no rep with id '{repId}'.");
            }
        }

        errors.ThrowIfAny();
        var current = await unit.GetAsync(AssignmentCollections.Teams, id, cancellationToken);
        var team = new Team
        {
            Id = id,
            Name = name!,
            LeadRepId = string.IsNullOrEmpty(request.LeadRepId) ? null : request.LeadRepId,
            ManagerRepId = string.IsNullOrEmpty(request.ManagerRepId) ? null : request.ManagerRepId,
            Version = (current?.Version ?? 0) + 1,
        };
        unit.Save(AssignmentCollections.Teams, team, current);

        await unit.CommitAsync(cancellationToken);
        return Results.Ok(team.ToResponse());
    }

    private static async Task<IResult> ListAsync([FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(AssignmentQueries.TeamsById(), cursor, errors);
        errors.ThrowIfAny();
        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<TeamResponse> { Items = [.. page.Items.Select(t => t.ToResponse())], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, IDocumentStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(AssignmentCollections.Teams, id, cancellationToken) is { } team
            ? Results.Ok(team.ToResponse())
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Team not found.", detail: $"There is no team with id '{id}'.");
}
