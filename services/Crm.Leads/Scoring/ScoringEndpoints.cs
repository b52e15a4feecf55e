using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Leads.Scoring;

/// <summary>
/// <c>/api/leads/scoring-rules</c>: the rule set in force (leads:read) and a new version of it (leads:admin), which
/// rescores every open lead in the background (<c>/api/leads/scoring-rules/rescores/{id}</c>); and a lead's score history.
/// </summary>
public static class ScoringEndpoints
{
    public static RouteGroupBuilder MapScoringEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/scoring-rules", GetAsync)
            .WithName("GetScoringRules")
            .WithSummary("Get the scoring rules in force")
            .WithDescription("Rules as data: signal rules (points per signal type, per-day caps, once-only or latest-only, decay by half-life or steps) and fit rules on attributes, in breakdown order; grade thresholds with hysteresis; `ETag` is the version. Until a set is saved, the seed rule (version 1).")
            .Produces<ScoringRuleSet>();

        group.MapPut("/scoring-rules", SaveAsync)
            .RequireAccess(Access.Admin)
            .WithName("SaveScoringRules")
            .WithSummary("Save a new version of the scoring rules")
            .WithDescription("Validated field by field (400 naming every bad field). Answers **202** with the rescore job (`Location`): every open lead is scored again with the new version in the background; read its `status` and `done` / `total`. `If-Match` with the current version guards against lost updates (412). Needs `leads:admin`.")
            .WithRequestExample(DefaultScoringRules.For(new ScoringOptions()) with { Version = 0 })
            .Produces<RescoreJobResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        group.MapGet("/scoring-rules/rescores/{id}", GetJobAsync)
            .WithName("GetRescoreJob")
            .WithSummary("Progress of a rescore")
            .Produces<RescoreJobResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/score-history", HistoryAsync)
            .WithName("GetLeadScoreHistory")
            .WithSummary("A lead's score history")
            .WithDescription("Every change of the lead's score or grade, newest first, with its cause (capture, signals, repeat-capture, decay, rules, attributes) and breakdown. Cursor paging.")
            .Produces<Page<ScoreHistoryEntry>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> GetAsync(HttpContext http, ScoringRules rules, CancellationToken cancellationToken)
    {
        var current = await rules.CurrentAsync(cancellationToken);
        http.Response.SetETag(current.Version);
        return Results.Ok(current);
    }

    private static async Task<IResult> SaveAsync(
        ScoringRuleSet request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        HttpContext http,
        UnitOfWork unit,
        ScoringRules rules,
        CancellationToken cancellationToken)
    {
        ScoringRuleSetValidation.Validate(request).ThrowIfAny();
        var expected = ETags.ExpectedVersion(ifMatch, "rule set");
        var stored = await unit.GetAsync(ScoringCollections.Rules, StoredRuleSet.CurrentId, cancellationToken);
        var currentVersion = stored?.Rules.Version ?? rules.Default.Version;
        ETags.CheckVersion(expected, currentVersion, "rule set");

        var saved = request with { Version = currentVersion + 1 };
        var document = new StoredRuleSet { Id = StoredRuleSet.CurrentId, Rules = saved, UpdatedAt = unit.Now, UpdatedBy = http.Actor(), Version = (stored?.Version ?? 0) + 1 };
        if (stored is null)
        {
            unit.Insert(ScoringCollections.Rules, document);
        }
        else
        {
            unit.Replace(ScoringCollections.Rules, document, stored.Version);
        }

        unit.Insert(ScoringCollections.RuleVersions, document with { Id = StoredRuleSet.VersionId(saved.Version), Version = 1 });
        var job = new RescoreJob
        {
            Id = Ids.New(),
            RulesVersion = saved.Version,
            Status = "running",
            Total = await unit.Store.CountAsync(LeadQueries.Open(), cancellationToken),
            CreatedAt = unit.Now,
        };
        unit.Insert(ScoringCollections.Jobs, job);
        unit.Schedule(RescoreOpenLeads.TimerKind, job.Id, unit.Now);
        await unit.CommitAsync(cancellationToken);
        rules.Invalidate();
        http.Response.SetETag(saved.Version);
        return Results.Accepted($"/api/leads/scoring-rules/rescores/{job.Id}", ToResponse(job));
    }

    private static async Task<IResult> GetJobAsync(string id, UnitOfWork unit, CancellationToken cancellationToken) =>
        await unit.GetAsync(ScoringCollections.Jobs, id, cancellationToken) is { } job
            ? Results.Ok(ToResponse(job))
            : throw ProblemException.NotFound("Rescore", id);

    private static async Task<IResult> HistoryAsync(string id, HttpContext http, UnitOfWork unit, [FromQuery] string? limit, [FromQuery] string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var take = Paging.Limit(limit, errors);
        var query = Paging.StartAfter(ScoringQueries.HistoryOf(id), cursor, errors);
        errors.ThrowIfAny();
        await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var page = await unit.Store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<ScoreHistoryEntry>
        {
            Items = [.. page.Items.Select(h => new ScoreHistoryEntry
            {
                At = h.At,
                Score = h.Score,
                Grade = h.Grade,
                Engagement = h.Engagement,
                Fit = h.Fit,
                PreviousScore = h.PreviousScore,
                PreviousGrade = h.PreviousGrade,
                Cause = h.Cause,
                RulesVersion = h.RulesVersion,
                Breakdown = [.. h.Breakdown.Select(r => new ScoreLine { Rule = r.Rule, Points = r.Points, Detail = r.Detail, Part = r.Part, BasePoints = r.BasePoints, At = r.At })],
            })],
            NextCursor = page.NextCursor,
        });
    }

    private static RescoreJobResponse ToResponse(RescoreJob job) => new()
    {
        Id = job.Id,
        RulesVersion = job.RulesVersion,
        Status = job.Status,
        Total = job.Total,
        Done = job.Done,
        Changed = job.Changed,
        CreatedAt = job.CreatedAt,
        FinishedAt = job.FinishedAt,
    };
}

/// <summary>The scoring queries, written once (rendered in the query catalog).</summary>
public static class ScoringQueries
{
    public static Query<ScoreChange> HistoryOf(string leadId) =>
        ScoringCollections.History.Find(Filter<ScoreChange>.Eq(x => x.LeadId, leadId)).OrderByDescending(x => x.At);
}
