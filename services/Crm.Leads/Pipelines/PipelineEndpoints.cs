using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Leads.Pipelines;

/// <summary><c>/api/leads/pipelines</c>: read pipelines (leads:read) and save a new version of one (leads:admin).</summary>
public static class PipelineEndpoints
{
    public static RouteGroupBuilder MapPipelineEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/pipelines", ListAsync)
            .WithName("ListPipelines")
            .WithSummary("List pipelines")
            .WithDescription("Every pipeline with its stages, allowed moves and exit criteria (`default` first; it exists even before it is first saved).")
            .Produces<Page<PipelineDefinition>>();

        group.MapGet("/pipelines/{id}", GetAsync)
            .WithName("GetPipeline")
            .WithSummary("Get a pipeline")
            .WithDescription("The pipeline's current version; `ETag` is its version.")
            .Produces<PipelineDefinition>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/pipelines/{id}/versions/{version}", GetVersionAsync)
            .WithName("GetPipelineVersion")
            .WithSummary("Get a saved version of a pipeline")
            .WithDescription("Every saved version is kept (stage changes name the version they were checked against).")
            .Produces<PipelineDefinition>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/pipelines/{id}", SaveAsync)
            .RequireAccess(Access.Admin)
            .WithName("SavePipeline")
            .WithSummary("Create or change a pipeline (a new version)")
            .WithDescription(
                "Replaces the pipeline with this definition as a new version (1 when created). Stages in order (a new lead enters " +
                "the first), `next` lists the moves allowed from each stage, `requiredFields` and `requiredActivities` are what a " +
                "lead needs before it leaves the stage forward or is won. A stage that still holds open leads cannot be removed " +
                "(409 naming it). `If-Match` with the current version guards against lost updates (412). Needs `leads:admin`.")
            .WithRequestExample(PipelineDefinitions.Default(DateTimeOffset.UnixEpoch).ToDefinition() with { Id = null, Version = 0, UpdatedAt = null })
            .Produces<PipelineDefinition>()
            .Produces<PipelineDefinition>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<IResult> ListAsync(UnitOfWork unit, CancellationToken cancellationToken) =>
        Results.Ok(new Page<PipelineDefinition> { Items = [.. (await PipelineStore.ListAsync(unit, cancellationToken)).Select(p => p.ToDefinition())] });

    private static async Task<IResult> GetAsync(string id, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var pipeline = await PipelineStore.GetAsync(unit, id, cancellationToken) ?? throw ProblemException.NotFound("Pipeline", id);
        http.Response.SetETag(pipeline.Version);
        return Results.Ok(pipeline.ToDefinition());
    }

    private static async Task<IResult> GetVersionAsync(string id, string version, UnitOfWork unit, CancellationToken cancellationToken)
    {
        return long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? await LoadVersionAsync(id, number, unit, cancellationToken)
            : throw ProblemException.NotFound("Pipeline version", $"{id}@{version}");
    }

    private static async Task<IResult> LoadVersionAsync(string id, long version, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var saved = await unit.GetAsync(PipelineCollections.Versions, PipelineVersion.IdOf(id, version), cancellationToken);
        if (saved is null && id == Pipeline.DefaultId && version == 1)
        {
            return Results.Ok(PipelineDefinitions.Default(DateTimeOffset.UnixEpoch).ToDefinition());
        }

        return saved is null ? throw ProblemException.NotFound("Pipeline version", $"{id}@{version}") : Results.Ok(saved.Pipeline.ToDefinition());
    }

    private static async Task<IResult> SaveAsync(
        string id,
        PipelineDefinition definition,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        UnitOfWork unit,
        PipelineCache cache,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = PipelineDefinitions.Validate(definition);
        if (!Identifiers.IsKebab(id))
        {
            errors.Add("id", "A pipeline id is lower-case kebab, 1 to 40 characters.");
        }

        if (definition.Id is { } bodyId && bodyId != id)
        {
            errors.Add("id", "The body's id must be the path's (or absent).");
        }

        errors.ThrowIfAny();
        var expected = ETags.ExpectedVersion(ifMatch, "pipeline");
        var stored = await unit.GetAsync(PipelineCollections.Pipelines, id, cancellationToken);
        var current = stored ?? (id == Pipeline.DefaultId ? PipelineDefinitions.Default(DateTimeOffset.UnixEpoch) : null);
        if (current is null && expected is not null)
        {
            throw ProblemException.NotFound("Pipeline", id);
        }

        if (current is not null)
        {
            ETags.CheckVersion(expected, current.Version, "pipeline");
            await RefuseRemovingOccupiedStagesAsync(unit, current, definition, cancellationToken);
        }

        var saved = PipelineDefinitions.ToPipeline(id, definition, (current?.Version ?? 0) + 1, unit.Now, http.Actor());
        if (stored is null)
        {
            unit.Insert(PipelineCollections.Pipelines, saved);
        }
        else
        {
            unit.Replace(PipelineCollections.Pipelines, saved, stored.Version);
        }

        unit.Insert(PipelineCollections.Versions, new PipelineVersion { Id = PipelineVersion.IdOf(id, saved.Version), Pipeline = saved });
        await unit.CommitAsync(cancellationToken);
        cache.Invalidate(id);
        http.Response.SetETag(saved.Version);
        return current is null
            ? Results.Created($"/api/leads/pipelines/{id}", saved.ToDefinition())
            : Results.Ok(saved.ToDefinition());
    }

    private static async Task RefuseRemovingOccupiedStagesAsync(UnitOfWork unit, Pipeline current, PipelineDefinition definition, CancellationToken cancellationToken)
    {
        var kept = definition.Stages!.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var occupied = new List<string>();
        foreach (var removed in current.Stages.Where(s => !kept.Contains(s.Key)))
        {
            var open = await unit.Store.CountAsync(LeadQueries.OpenIn(current.Id, removed.Key), cancellationToken);
            if (open > 0)
            {
                occupied.Add($"{removed.Key} ({open} open leads)");
            }
        }

        if (occupied.Count > 0)
        {
            throw ProblemException.Conflict(
                "Stages with open leads cannot be removed.",
                $"Move or close their leads first: {string.Join(", ", occupied)}.");
        }
    }
}
