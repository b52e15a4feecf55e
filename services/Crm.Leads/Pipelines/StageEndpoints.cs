using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Leads.Pipelines;

/// <summary>
/// A lead's way through its pipeline: <c>POST /api/leads/{id}/stage</c>, <c>/won</c>, <c>/lost</c>, <c>/reopen</c> and
/// <c>/activities</c>. The rules are <see cref="Pipeline"/>'s; a move they refuse is a 422 naming what is missing.
/// Reps act on the leads they see (others are 404).
/// </summary>
public static class StageEndpoints
{
    public const int MaxNote = 2000;
    public const string ActivityIdempotencyScope = "leads:activity";

    public static RouteGroupBuilder MapStageEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/{id}/stage", MoveAsync)
            .WithName("MoveLeadStage")
            .WithSummary("Move a lead to another stage")
            .WithDescription(
                "The move must be allowed from the current stage (its `next`), and a move forward must meet the current stage's exit " +
                "criteria: otherwise **422** with `missingFields` and `missingActivities` listing exactly what is missing. Publishes " +
                "`LeadStageChanged`.")
            .WithParameterDescription("id", "The lead's id.")
            .WithRequestExample(new MoveStageRequest { Stage = "contacted" })
            .Produces<LeadResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id}/won", WinAsync)
            .WithName("WinLead")
            .WithSummary("Mark a lead won")
            .WithDescription("With the deal's value. Allowed from the pipeline's `winFrom` stages once the current stage's exit criteria are met (else 422). Publishes `LeadWon`.")
            .WithParameterDescription("id", "The lead's id.")
            .WithRequestExample(new WinLeadRequest { Value = new Crm.Contracts.Api.Money { Amount = "1290.00", Currency = "EUR" } })
            .Produces<LeadResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id}/lost", LoseAsync)
            .WithName("LoseLead")
            .WithSummary("Mark a lead lost")
            .WithDescription("With a reason from the pipeline's `lostReasons` (400 naming the allowed ones otherwise). Publishes `LeadLost`.")
            .WithParameterDescription("id", "The lead's id.")
            .WithRequestExample(new LoseLeadRequest { Reason = "chose-competitor", Note = "Cheaper offer elsewhere." })
            .Produces<LeadResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id}/reopen", ReopenAsync)
            .WithName("ReopenLead")
            .WithSummary("Reopen a won or lost lead")
            .WithDescription("Explicitly, into the stage it was closed in or the one given. 409 when the contact has another open lead in the pipeline. Publishes `LeadReopened`.")
            .WithParameterDescription("id", "The lead's id.")
            .WithRequestExample(new ReopenLeadRequest { Stage = "qualified" })
            .Produces<LeadResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id}/activities", LogActivityAsync)
            .WithName("LogLeadActivity")
            .WithSummary("Log an activity on a lead")
            .WithDescription(
                "A call, an e-mail, a meeting, a quote sent, a note ... Exit criteria count activities by type. Publishes `LeadActivityLogged`. " +
                "With an `Idempotency-Key` (the telephony system's call id, say), a retry is answered as the first time and logs nothing again " +
                "(the same key with another body or lead: 409).")
            .WithParameterDescription("id", "The lead's id.")
            .WithRequestHeader(
                IdempotentRequests.Header,
                "Makes retries safe: a retry with the same key and body is answered as the first time and logs nothing again; the " +
                "same key with another body or lead is a 409. Keys are the caller's own and kept at least 24 h.",
                IdempotentRequests.MaxKey)
            .WithRequestExample(new LogActivityRequest { Type = "call", Note = "Interested in the premium plan; call back Friday." })
            .Produces<LeadActivity>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> MoveAsync(string id, MoveStageRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var stage = CaptureLeadValidation.Trimmed(request.Stage) ?? throw new RequestValidationException("stage", "The stage to move to is required.");
        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var pipeline = await PipelineOf(unit, lead, cancellationToken);
        if (pipeline.CheckMove(lead, stage) is { } problem)
        {
            throw problem.ToException();
        }

        var (moved, message) = lead.MovedTo(pipeline, stage, unit.Now, http.Actor());
        return Save(unit, lead, moved, message);
    }

    private static async Task<IResult> WinAsync(string id, WinLeadRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (request.Value is null)
        {
            throw new RequestValidationException("value", "The deal's value is required ({ \"amount\": \"129.90\", \"currency\": \"EUR\" }).");
        }

        if (MoneyValues.Problem(request.Value) is { } invalid)
        {
            throw new RequestValidationException("value", invalid);
        }

        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var pipeline = await PipelineOf(unit, lead, cancellationToken);
        if (pipeline.CheckWin(lead) is { } problem)
        {
            throw problem.ToException();
        }

        var (won, message) = lead.Won(MoneyValues.Canonical(request.Value), unit.Now, http.Actor());
        return Save(unit, lead, won, message);
    }

    private static async Task<IResult> LoseAsync(string id, LoseLeadRequest request, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var reason = CaptureLeadValidation.Trimmed(request.Reason);
        if (reason is null)
        {
            errors.Add("reason", "A reason is required.");
        }

        if (request.Note is { Length: > MaxNote })
        {
            errors.Add("note", $"At most {MaxNote} characters.");
        }

        errors.ThrowIfAny();
        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var pipeline = await PipelineOf(unit, lead, cancellationToken);
        if (!pipeline.LostReasons.Contains(reason!, StringComparer.Ordinal))
        {
            throw new RequestValidationException("reason", $"One of {string.Join(", ", pipeline.LostReasons)}.");
        }

        if (lead.Status != LeadStatus.Open)
        {
            throw ProblemException.Unprocessable("The lead is closed.", $"Lead {lead.Id} is {Pipeline.Wire(lead.Status)}: reopen it first.");
        }

        var (lost, message) = lead.Lost(reason!, CaptureLeadValidation.Trimmed(request.Note), unit.Now, http.Actor());
        return Save(unit, lead, lost, message);
    }

    private static async Task<IResult> ReopenAsync(string id, ReopenLeadRequest request, HttpContext http, UnitOfWork unit, IOptions<LeadsOptions> options, CancellationToken cancellationToken)
    {
        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        if (lead.Status == LeadStatus.Open)
        {
            throw ProblemException.Unprocessable("The lead is open.", $"Lead {lead.Id} is open already: only a won or lost lead is reopened.");
        }

        var pipeline = await PipelineOf(unit, lead, cancellationToken);
        var stage = CaptureLeadValidation.Trimmed(request.Stage) ?? (pipeline.StageOf(lead.Stage) is null ? pipeline.FirstStage : lead.Stage);
        if (pipeline.StageOf(stage) is null)
        {
            throw new RequestValidationException("stage", $"Pipeline '{pipeline.Id}' has no stage '{stage}' (stages: {string.Join(", ", pipeline.Stages.Select(s => s.Key))}).");
        }

        var (reopened, message) = lead.Reopened(stage, options.Value.OneOpenPerContact, unit.Now, http.Actor());
        if (reopened.OpenKey is not null && await unit.FindAsync(LeadQueries.OpenLeadOf(reopened.ContactId!, reopened.PipelineId), cancellationToken) is [var other, ..])
        {
            throw ProblemException.Conflict(
                "The contact has another open lead.",
                $"Lead {other.Id} of the same contact is open in pipeline '{other.PipelineId}': close it first, or work on it instead.");
        }

        return Save(unit, lead, reopened, message);
    }

    private static async Task<IResult> LogActivityAsync(string id, LogActivityRequest request, HttpContext http, UnitOfWork unit, IOptions<HttpJsonOptions> json, CancellationToken cancellationToken)
    {
        var key = IdempotentRequests.KeyOf(http.Request);
        var scope = IdempotentRequests.ScopeOf(http, ActivityIdempotencyScope);
        var hash = IdempotentResponse.Hash(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { id, request }, json.Value.SerializerOptions));
        if (key is not null && await IdempotentRequests.KeptAsync(unit, scope, key, cancellationToken) is { } earlier)
        {
            return IdempotentRequests.Replay(earlier, hash);
        }

        var errors = new ValidationErrors();
        var type = CaptureLeadValidation.Trimmed(request.Type);
        if (!Identifiers.IsKebab(type))
        {
            errors.Add("type", "An activity type is lower-case kebab, 1 to 40 characters (call, email, meeting, quote-sent, note ...).");
        }

        if (request.At is { } at && at > unit.Now.AddMinutes(5))
        {
            errors.Add("at", "Not more than 5 minutes in the future.");
        }

        if (request.Note is { Length: > MaxNote })
        {
            errors.Add("note", $"At most {MaxNote} characters.");
        }

        errors.ThrowIfAny();
        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var activity = new LeadActivity
        {
            Id = Ids.New(),
            Type = type!,
            At = request.At?.ToUniversalTime().TruncateToMs() ?? unit.Now,
            Note = CaptureLeadValidation.Trimmed(request.Note),
            By = http.Actor(),
        };
        var (changed, message) = lead.WithActivity(activity, unit.Now);
        unit.Replace(LeadCollections.Leads, changed, lead.Version);
        unit.Publish(message);
        http.Response.SetETag(changed.Version);
        var location = $"{LeadMapping.Location(lead.Id)}/activities/{activity.Id}";
        if (key is null)
        {
            return Results.Created(location, activity);
        }

        var record = IdempotentRequests.Record(scope, key, hash, StatusCodes.Status201Created, location, activity, json.Value.SerializerOptions, unit.Now, [lead.Id, lead.ContactId]);
        unit.RecordIdempotentResponse(record);
        return new StoredResponseResult(record, replayed: false);
    }

    private static async Task<Pipeline> PipelineOf(UnitOfWork unit, Lead lead, CancellationToken cancellationToken) =>
        await PipelineStore.GetAsync(unit, lead.PipelineId, cancellationToken)
        ?? throw ProblemException.Conflict("The lead's pipeline is gone.", $"Pipeline '{lead.PipelineId}' does not exist any more.");

    private static IResult Save(UnitOfWork unit, Lead before, Lead after, object message)
    {
        unit.Replace(LeadCollections.Leads, after, before.Version);
        unit.Publish(message);
        return Results.Ok(after.ToResponse());
    }
}
