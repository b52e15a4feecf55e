using System.Globalization;
using Crm.Assignment.Assignments;
using Crm.Assignment.Routing;
using Crm.Assignment.Rules;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Reps;

/// <summary>
/// <c>/api/assignment/reps</c>: create, list, read and patch reps (with <c>If-Match</c> on the version). Creating and
/// changing reps is administration (<c>assignment:admin</c>); reading them needs <c>assignment:read</c>. Any
/// person with that scope (a rep too) may read every rep: colleagues' names and teams are no secret within the CRM.
/// </summary>
public static class RepEndpoints
{
    public static RouteGroupBuilder MapRepEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/reps", CreateAsync)
            .RequireAccess(Access.Admin)
            .WithName("CreateRep")
            .WithSummary("Create a rep")
            .WithDescription("A sales rep who is given leads, active at once (leads waiting in the backlog start flowing to them). `email` and `phone` (E.164) are optional: SLA alerts go to the e-mail address. The response's `ETag` is the rep's version.")
            .WithRequestExample(new CreateRepRequest { Name = "Rita Rep", Capacity = 50, Email = "rita.rep@example.com", Phone = "+34600111222" })
            .Produces<RepResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        api.MapGet("/reps", ListAsync)
            .WithName("ListReps")
            .WithSummary("List reps")
            .WithDescription("Every rep, in creation order, with their open leads.")
            .Produces<Page<RepResponse>>()
            .ProducesValidationProblem();
        api.MapGet("/reps/{id}", GetAsync)
            .WithName("GetRep")
            .WithSummary("Get a rep")
            .WithDescription("The rep with their open leads. The response's `ETag` is the rep's version, for `If-Match` on a patch.")
            .WithParameterDescription("id", "The rep's id.")
            .Produces<RepResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPatch("/reps/{id}", UpdateAsync)
            .RequireAccess(Access.Admin)
            .WithName("UpdateRep")
            .WithSummary("Change a rep")
            .WithDescription("JSON merge patch: absent fields stay unchanged (`teamId`, `email` and `phone`: an empty string removes them). `active: false` stops new assignments to the rep and routes their open leads again (to the reps with room, else the backlog; each a `LeadAssigned` with `previousRepId`).")
            .WithParameterDescription("id", "The rep's id.")
            .WithParameterDescription("If-Match", "Update only this version (`\"3\"`, `W/\"3\"` or `3`, as in `ETag`); `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new UpdateRepRequest { Capacity = 80, Active = true })
            .Produces<RepResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        api.MapPut("/reps/{id}/presence", SetPresenceAsync)
            .RequireAccess(Access.Write)
            .WithName("SetRepPresence")
            .WithSummary("Set a rep's presence")
            .WithDescription(
                "available, away or offline. Only an active, available rep is given new leads; back to available, the backlog drains to " +
                "them at once. A rep sets their own (another rep's is 404), a team lead their team's, a manager or admin anyone's. " +
                "Counts as a change of the rep (`version`, `RepChanged`).")
            .WithParameterDescription("id", "The rep's id.")
            .WithRequestExample(new SetPresenceRequest { Presence = Presence.Away })
            .Produces<RepResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/reps/{id}/working-hours", SetWorkingHoursAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetRepWorkingHours")
            .WithSummary("Set a rep's working hours")
            .WithDescription(
                "Weekly shifts in the rep's time zone (IANA id) and holidays (local dates). Outside them the rep is given no new " +
                "leads (waiting leads flow to them when their shift starts) and SLA clocks do not run. Replaces the whole set; " +
                "counts as a change of the rep (`version`, `RepChanged`).")
            .WithParameterDescription("id", "The rep's id.")
            .WithRequestExample(new WorkingHoursDocument
            {
                TimeZone = "Europe/Madrid",
                Week = [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }.Select(d => new WorkingShiftDocument { Day = d, From = "09:00", To = "17:30" })],
                Holidays = [new DateOnly(2026, 12, 25)],
            })
            .Produces<RepResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/reps/{id}/working-hours", ClearWorkingHoursAsync)
            .RequireAccess(Access.Admin)
            .WithName("ClearRepWorkingHours")
            .WithSummary("Remove a rep's working hours")
            .WithDescription("The rep is then always at work (as reps without working hours are).")
            .WithParameterDescription("id", "The rep's id.")
            .Produces<RepResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> SetWorkingHoursAsync(string id, WorkingHoursDocument request, UnitOfWork unit, RepRoster roster, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var hours = WorkingHours.Parse(request, errors);
        if (hours is null)
        {
            throw new RequestValidationException(errors);
        }

        return Answer(http, await roster.UpdateAsync(unit, id, new RepPatch(null, null, null) { WorkingHours = hours }, expectedVersion: null, http.Actor(), cancellationToken), id);
    }

    private static async Task<IResult> ClearWorkingHoursAsync(string id, UnitOfWork unit, RepRoster roster, HttpContext http, CancellationToken cancellationToken) =>
        Answer(http, await roster.UpdateAsync(unit, id, new RepPatch(null, null, null) { ClearWorkingHours = true }, expectedVersion: null, http.Actor(), cancellationToken), id);

    private static IResult Answer(HttpContext http, RepUpdateResult result, string id)
    {
        if (result.Status == RepUpdateStatus.NotFound)
        {
            return NotFound(id);
        }

        SetETag(http, result.Rep!);
        return Results.Ok(result.Rep!.ToResponse());
    }

    private static async Task<IResult> CreateAsync(CreateRepRequest request, UnitOfWork unit, RepRoster roster, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = ValidateName(request.Name, required: true, errors);
        var capacity = ValidateCapacity(request.Capacity, required: true, errors);
        var team = ValidateTeam(request.TeamId, errors);
        var skills = ValidateSkills(request.Skills, removals: false, errors);
        var weight = ValidateWeight(request.Weight, errors);
        var email = RepAddress.Email(request.Email, errors);
        var phone = RepAddress.Phone(request.Phone, errors);
        errors.ThrowIfAny();

        var rep = await roster.CreateAsync(
            unit,
            new Rep
            {
                Id = Ids.New(),
                Name = name!,
                Capacity = capacity!.Value,
                Active = true,
                TeamId = string.IsNullOrEmpty(team) ? null : team,
                Skills = skills is null ? new Dictionary<string, int>() : Rep.MergeSkills(new Dictionary<string, int>(), skills),
                Weight = weight ?? 1,
                Email = string.IsNullOrEmpty(email) ? null : email,
                Phone = string.IsNullOrEmpty(phone) ? null : phone,
                CreatedAt = unit.Now,
                CreatedBy = http.Actor(),
            },
            cancellationToken);
        SetETag(http, rep);
        return Results.Created($"/api/assignment/reps/{rep.Id}", rep.ToResponse());
    }

    private static async Task<IResult> ListAsync([FromQuery] string? limit, [FromQuery] string? cursor, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(AssignmentQueries.RepsInCreationOrder(), cursor, errors);
        errors.ThrowIfAny();

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<RepResponse> { Items = page.Items.Select(r => r.ToResponse()).ToList(), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var rep = await store.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        if (rep is null)
        {
            return NotFound(id);
        }

        SetETag(http, rep);
        return Results.Ok(rep.ToResponse());
    }

    private static async Task<IResult> UpdateAsync(
        string id,
        UpdateRepRequest request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        UnitOfWork unit,
        RepRoster roster,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = ValidateName(request.Name, required: false, errors);
        var capacity = ValidateCapacity(request.Capacity, required: false, errors);
        var team = ValidateTeam(request.TeamId, errors);
        var skills = ValidateSkills(request.Skills, removals: true, errors);
        var weight = ValidateWeight(request.Weight, errors);
        var email = RepAddress.Email(request.Email, errors);
        var phone = RepAddress.Phone(request.Phone, errors);
        errors.ThrowIfAny();

        long? expectedVersion = null;
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            if (!TryParseIfMatch(ifMatch, out expectedVersion))
            {
                // An entity tag this service never hands out matches nothing.
                return await unit.GetAsync(AssignmentCollections.Reps, id, cancellationToken) is null
                    ? NotFound(id)
                    : Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "The rep has changed.", detail: $"If-Match '{ifMatch}' does not name a version of this rep.");
            }
        }

        var result = await roster.UpdateAsync(unit, id, new RepPatch(name, capacity, request.Active, team) { Skills = skills, Weight = weight, Email = email, Phone = phone }, expectedVersion, http.Actor(), cancellationToken);
        switch (result.Status)
        {
            case RepUpdateStatus.NotFound:
                return NotFound(id);
            case RepUpdateStatus.VersionMismatch:
                return Results.Problem(
                    statusCode: StatusCodes.Status412PreconditionFailed,
                    title: "The rep has changed.",
                    detail: $"If-Match names version {expectedVersion} but the rep is at version {result.Rep!.Version}: read it again and retry.");
            default:
                SetETag(http, result.Rep!);
                return Results.Ok(result.Rep!.ToResponse());
        }
    }

    private static async Task<IResult> SetPresenceAsync(string id, SetPresenceRequest request, UnitOfWork unit, RepRoster roster, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Presence is not { } presence || !Enum.IsDefined(presence))
        {
            throw new RequestValidationException("presence", "Required: available, away or offline.");
        }

        var rep = await unit.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        if (rep?.OwnedBy(http) != true)
        {
            return NotFound(id);
        }

        var result = await roster.UpdateAsync(unit, id, new RepPatch(null, null, null, Presence: presence), expectedVersion: null, http.Actor(), cancellationToken);
        if (result.Status == RepUpdateStatus.NotFound)
        {
            return NotFound(id);
        }

        SetETag(http, result.Rep!);
        return Results.Ok(result.Rep!.ToResponse());
    }

    /// <summary>Accepts <c>"3"</c>, <c>W/"3"</c>, <c>3</c>; <c>*</c> means any version.</summary>
    internal static bool TryParseIfMatch(string value, out long? version) => ETags.TryParseIfMatch(value, out version);

    private static string? ValidateName(string? value, bool required, ValidationErrors errors)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add("name", "Required.");
            }

            return null;
        }

        var name = value.Trim();
        if (name.Length == 0)
        {
            errors.Add("name", "Must not be empty.");
        }
        else if (name.Length > Rep.NameMaxLength)
        {
            errors.Add("name", $"At most {Rep.NameMaxLength} characters.");
        }

        return name;
    }

    private static int? ValidateCapacity(int? value, bool required, ValidationErrors errors)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add("capacity", "Required.");
            }

            return null;
        }

        if (value < Rep.MinCapacity || value > Rep.MaxCapacity)
        {
            errors.Add("capacity", $"Must be from {Rep.MinCapacity} to {Rep.MaxCapacity}.");
        }

        return value;
    }

    /// <summary>Null: not given; empty: no team (allowed on a patch, to leave the team); else a trimmed team id.</summary>
    private static string? ValidateTeam(string? value, ValidationErrors errors)
    {
        if (value is null)
        {
            return null;
        }

        var team = value.Trim();
        if (team.Length > Rep.TeamIdMaxLength)
        {
            errors.Add("teamId", $"At most {Rep.TeamIdMaxLength} characters.");
        }
        else if (!team.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add("teamId", "Letters, digits, '-', '_' and '.' only (an empty string means no team).");
        }

        return team;
    }

    /// <summary>Skill names trimmed and lower-cased, levels 1–5; null levels (removals) only on a patch.</summary>
    private static Dictionary<string, int?>? ValidateSkills(IReadOnlyDictionary<string, int?>? value, bool removals, ValidationErrors errors)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Count > Rep.MaxSkills)
        {
            errors.Add("skills", $"At most {Rep.MaxSkills} skills.");
            return null;
        }

        var skills = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var (key, level) in value)
        {
            var skill = RoutingRules.SkillName(key);
            if (skill is null)
            {
                errors.Add($"skills.{key}", $"A skill name: lower-case letters, digits, ':', '-', '_' and '.', at most {RoutingRules.MaxSkillLength} characters.");
            }
            else if (level is null && !removals)
            {
                errors.Add($"skills.{key}", $"A level from 1 to {Rep.MaxSkillLevel}.");
            }
            else if (level is < 1 or > Rep.MaxSkillLevel)
            {
                errors.Add($"skills.{key}", $"A level from 1 to {Rep.MaxSkillLevel}{(removals ? ", or null to remove the skill" : "")}.");
            }
            else
            {
                skills[skill] = level;
            }
        }

        return skills;
    }

    private static int? ValidateWeight(int? value, ValidationErrors errors)
    {
        if (value is < 1 or > Rep.MaxWeight)
        {
            errors.Add("weight", $"Must be from 1 to {Rep.MaxWeight}.");
        }

        return value;
    }

    private static void SetETag(HttpContext http, Rep rep) => http.Response.SetETag(rep.Version);

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Rep not found.", detail: $"There is no rep with id '{id}'.");
}
