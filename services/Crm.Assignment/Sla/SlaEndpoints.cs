using Crm.Assignment.Assignments;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Assignment.Sla;

/// <summary><c>/api/assignment/sla-policies</c>: read with <c>assignment:read</c>, replaced whole with <c>assignment:admin</c> (new clocks follow them).</summary>
public static class SlaEndpoints
{
    public static RouteGroupBuilder MapSlaEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/sla-policies", GetAsync)
            .WithName("GetSlaPolicies")
            .WithSummary("Get the SLA policies")
            .WithDescription("First contact by grade and follow-up, each with its ladder. Defaults: first contact hot 15 minutes, warm 4 hours, cold 48 hours; follow-up 48 hours; all in the owner's working time.")
            .Produces<SlaPoliciesDocument>();
        api.MapPut("/sla-policies", PutAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetSlaPolicies")
            .WithSummary("Replace the SLA policies")
            .WithDescription("Clocks started after the change follow the new policies; running clocks keep the ladder they started with. A grade without a first-contact policy, or no follow-up policy, means no such clock.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new SlaPoliciesDocument
            {
                Policies =
                [
                    new SlaPolicyDocument { Sla = "first-contact", Grade = Grade.Hot, TargetMinutes = 15, WarningPercent = 80, ReassignAfterMinutes = 15, EscalateAfterMinutes = 30, EscalateToManagerAfterMinutes = 120 },
                    new SlaPolicyDocument { Sla = "follow-up", TargetMinutes = 2880, EscalateAfterMinutes = 1440 },
                ],
            })
            .Produces<SlaPoliciesDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return api;
    }

    private static async Task<IResult> GetAsync(IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var policies = await store.GetAsync(AssignmentCollections.SlaPolicies, SlaPolicies.DocumentId, cancellationToken) ?? SlaPolicies.Default;
        http.Response.SetETag(policies.Version);
        return Results.Ok(policies.ToDocument());
    }

    private static async Task<IResult> PutAsync(SlaPoliciesDocument request, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var parsed = SlaPolicies.Parse(request, errors) ?? throw new RequestValidationException(errors);
        var expected = ETags.ExpectedVersion(ifMatch, "SLA policies");
        var current = await unit.GetAsync(AssignmentCollections.SlaPolicies, SlaPolicies.DocumentId, cancellationToken);
        ETags.CheckVersion(expected, current?.Version ?? 0, "SLA policies");
        var policies = parsed with { Version = (current?.Version ?? 0) + 1 };
        unit.Save(AssignmentCollections.SlaPolicies, policies, current);
        await unit.CommitAsync(cancellationToken);
        http.Response.SetETag(policies.Version);
        return Results.Ok(policies.ToDocument());
    }
}
