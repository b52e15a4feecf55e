using Crm.Assignment.Assignments;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Rules;

/// <summary>
/// <c>/api/assignment/rules</c>: the ordered assignment rules and the lead units, read with <c>assignment:read</c> and
/// replaced whole with <c>assignment:admin</c> (at the version read, with <c>If-Match</c>). A change drains the backlog
/// at once: leads that waited for a pool may now have one.
/// </summary>
public static class RuleEndpoints
{
    public static RouteGroupBuilder MapRuleEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/rules", GetAsync)
            .WithName("GetAssignmentRules")
            .WithSummary("Get the assignment rules")
            .WithDescription("The rules in order (the first whose conditions match a lead routes it) and the capacity units a lead takes by grade. The response's `ETag` is their version.")
            .Produces<AssignmentRulesDocument>();
        api.MapPut("/rules", PutAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetAssignmentRules")
            .WithSummary("Replace the assignment rules")
            .WithDescription(
                "Ordered rules, first match wins: conditions on the lead (sources, channels, campaigns, interests, regions, languages, " +
                "grades, score range, returning customer) → a pool (a team, required skills, optional skills dropped after a wait) and a " +
                "strategy (round-robin, least-loaded, most-available, weighted, sticky), with an optional fairness cap per rep. A lead no " +
                "rule matches waits in the backlog. Takes effect for the next routing decision; waiting leads are routed again at once.")
            .WithParameterDescription("If-Match", "Replace only this version (`\"3\"`, `W/\"3\"` or `3`, as in `ETag`); `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new AssignmentRulesDocument
            {
                Rules =
                [
                    new AssignmentRuleDocument
                    {
                        Id = "hot-spanish",
                        Name = "Hot Spanish speakers to the Spanish desk",
                        When = new RuleConditionsDocument { Grades = [Grade.Hot], Languages = ["es"] },
                        Pool = new RulePoolDocument { RequiredSkills = [new SkillRequirementDocument { Skill = "lang:es", MinLevel = 3 }], OptionalSkills = [new SkillRequirementDocument { Skill = "product:solar" }], DropOptionalAfterMinutes = 5 },
                        Strategy = "least-loaded",
                        FairnessCap = new FairnessCapDocument { Max = 20, WindowMinutes = 60 },
                    },
                    new AssignmentRuleDocument { Id = "everyone", Name = "Everyone else, by weight", Strategy = "weighted" },
                ],
                LeadUnits = new LeadUnitsDocument { Hot = 2, Warm = 1, Cold = 1 },
            })
            .Produces<AssignmentRulesDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return api;
    }

    private static async Task<IResult> GetAsync(IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var rules = await store.GetAsync(AssignmentCollections.Rules, RoutingRules.DocumentId, cancellationToken) ?? RoutingRules.Default;
        http.Response.SetETag(rules.Version);
        return Results.Ok(rules.ToDocument());
    }

    private static async Task<IResult> PutAsync(
        AssignmentRulesDocument request,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        UnitOfWork unit,
        AssignmentEngine engine,
        HttpContext http,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var parsed = RoutingRules.Parse(request, errors);
        if (parsed is null)
        {
            throw new RequestValidationException(errors);
        }

        var expected = ETags.ExpectedVersion(ifMatch, "assignment rules");
        var current = await unit.GetAsync(AssignmentCollections.Rules, RoutingRules.DocumentId, cancellationToken);
        var version = current?.Version ?? 0;
        ETags.CheckVersion(expected, version, "assignment rules");
        var rules = parsed with { UpdatedBy = http.Actor(), UpdatedAt = unit.Now, Version = version + 1 };
        unit.Save(AssignmentCollections.Rules, rules, current);
        BacklogDrainTimer.ScheduleAfter(unit);
        await unit.CommitAsync(cancellationToken);
        try
        {
            await engine.DrainAsync(unit, cancellationToken);
        }
        catch (ConcurrencyException ex)
        {
            loggers.CreateLogger(typeof(RuleEndpoints)).LogWarning(ex, "Draining the backlog after a rules change kept meeting concurrent changes; the drain timer finishes it");
        }

        http.Response.SetETag(rules.Version);
        return Results.Ok(rules.ToDocument());
    }

}
