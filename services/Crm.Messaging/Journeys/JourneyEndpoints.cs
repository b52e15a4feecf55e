using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Messaging.Conversations;
using Crm.Messaging.Templates;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Messaging.Journeys;

/// <summary><c>/api/messaging/journeys</c> and <c>/api/messaging/journey-enrollments</c>: journeys (versioned), a contact's enrollments, stopping one.</summary>
public static class JourneyEndpoints
{
    private const string What = "journey";

    private static readonly JourneyRequest Example = new()
    {
        Name = "Follow-up ladder",
        Active = true,
        Trigger = new() { Event = "LeadAssigned", Conditions = [new() { Field = "grade", Op = "in", Values = ["hot", "warm"] }] },
        Steps =
        [
            new() { Type = StepTypes.Wait, Duration = "1.00:00:00" },
            new() { Type = StepTypes.Send, Template = "follow-up-1", Channel = "email", FallbackChannel = "sms" },
            new() { Type = StepTypes.WaitUntil, TimeOfDay = "10:00" },
            new() { Type = StepTypes.Branch, If = new() { Field = "contact.hasPhone", Op = "eq", Values = ["false"] }, GoTo = 5 },
            new() { Type = StepTypes.Send, Template = "follow-up-2", Channel = "sms" },
            new() { Type = StepTypes.Wait, Duration = "4.00:00:00" },
            new() { Type = StepTypes.Send, Template = "follow-up-3", Channel = "whatsapp", FallbackChannel = "sms" },
        ],
        StopOn = [JourneyStops.Replied, JourneyStops.Won, JourneyStops.Lost, JourneyStops.ConsentWithdrawn],
        Reentry = new() { Rule = JourneyReentry.After, AfterDays = 30 },
    };

    public static RouteGroupBuilder MapJourneyEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/journeys", ListAsync)
            .RequireAccess(Access.Read)
            .WithName("ListJourneys")
            .WithSummary("List journeys")
            .WithDescription("Every journey by id: the stored ones (their current version) and the platform's defaults (`default: true`, version 0) no stored journey replaces. Needs `messaging:read`.")
            .Produces<Page<JourneyResponse>>();
        group.MapGet("/journeys/{id}", GetAsync)
            .RequireAccess(Access.Read)
            .WithName("GetJourney")
            .WithSummary("Get a journey")
            .WithDescription("The journey's current version (stored, else the default); the `ETag` is the version. 404 when neither exists. Needs `messaging:read`.")
            .WithParameterDescription("id", "The journey id (e.g. `follow-up-ladder`).")
            .Produces<JourneyResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/journeys/{id}", PutAsync)
            .RequireAccess(Access.Write)
            .ForWhoSeesEverything("Journeys are configured by managers, administrators and API keys.")
            .WithName("PutJourney")
            .WithSummary("Create or replace a journey (a new version)")
            .WithDescription("Stores a new version of the journey: `trigger` (an event — `LeadAssigned`, `SegmentMembershipChanged`, `InteractionRecorded` (one per " +
                "interaction), `OrderPlaced`, `ContactUpdated` — and conditions on its camelCase fields: `eq`/`in`, `ne`, `exists`, `missing`), `steps` (`wait` a " +
                "`duration` d.hh:mm:ss; `wait-until` a `timeOfDay` HH:mm in the contact's zone, `onBirthday`; `send` a `template` on a `channel` with a " +
                "`fallbackChannel` used when the contact has no address or consent for the first; `branch` to `goTo` when `if` holds, always without one), " +
                "`stopOn` (`replied`, `won`, `lost`, `consent-withdrawn`, `ordered`) and `reentry` (`never`, `after` `afterDays`, `always`). New enrollments " +
                "run the new version; running ones finish on theirs. The journey `welcome` is the welcome of an assigned lead, decided at once (one message " +
                "per lead, the first `send` its branches reach): trigger `LeadAssigned`, only `branch` steps on the event's fields (`source`, `channel`, " +
                "`campaign`...) and `send` steps without `fallbackChannel`, no `stopOn`. Messages get the trigger event's `lead`, `rep` and `order` as " +
                "template variables. 400 names every bad field by path (`steps[1].template`: an unknown template on that channel, " +
                "`steps[0].duration`: a bad duration, a jump back without a wait...). `If-Match` with the current version (0 while the default applies) guards " +
                "against lost updates (412). Needs `messaging:write` (managers, administrators, API keys; reps and team leads hold it too and get 403).")
            .WithParameterDescription("id", "The journey id: lower-case letters, digits and '-', at most 64.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(Example)
            .Produces<JourneyResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapGet("/journeys/{id}/versions", VersionsAsync)
            .RequireAccess(Access.Read)
            .WithName("ListJourneyVersions")
            .WithSummary("List a journey's versions")
            .WithDescription("Every stored version of the journey, newest first, then the default (version 0) when the platform ships one. 404 when the journey has none. Needs `messaging:read`.")
            .WithParameterDescription("id", "The journey id.")
            .Produces<Page<JourneyResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/journey-enrollments", EnrollmentsAsync)
            .RequireAccess(Access.Read)
            .WithName("ListJourneyEnrollments")
            .WithSummary("List a contact's journey enrollments")
            .WithDescription("The contact's enrollments (every journey, every entry, the latest entry first): version, next step, status, when the next step is due, the messages queued. 400 without `contactId`. Reps and team leads: 403 (Messaging cannot tell whose contact it is). Needs `messaging:read`.")
            .WithParameterDescription("contactId", "Required: the contact.")
            .Produces<Page<JourneyEnrollmentResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/journey-enrollments/{id}/stop", StopAsync)
            .RequireAccess(Access.Write)
            .ForWhoSeesEverything("A contact's journeys are stopped by managers, administrators and API keys.")
            .WithName("StopJourneyEnrollment")
            .WithSummary("Stop a journey enrollment")
            .WithDescription("Stops the enrollment now (`stopped`, `stopReason: manual`; its waiting step never runs). 404 when unknown; 409 when it has ended already. Reps and team leads: 403 (as for the list of enrollments). Needs `messaging:write`.")
            .WithParameterDescription("id", "The enrollment id (`{journeyId}:{contactId}:{entry}`).")
            .Produces<JourneyEnrollmentResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<IResult> ListAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var stored = await unit.FindAsync(JourneyQueries.All(), cancellationToken);
        var defaults = await JourneyCatalog.DefaultsNotStoredAsync(unit, cancellationToken);
        var items = stored.Concat(defaults).OrderBy(j => j.JourneyId, StringComparer.Ordinal).Select(j => j.ToResponse()).ToList();
        return Results.Ok(new Page<JourneyResponse> { Items = items, NextCursor = null });
    }

    private static async Task<IResult> GetAsync(string id, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var journey = await CurrentAsync(unit, id, cancellationToken) ?? throw ProblemException.NotFound("Journey", id);
        http.Response.SetETag(journey.Version);
        return Results.Ok(journey.ToResponse());
    }

    private static async Task<Journey?> CurrentAsync(UnitOfWork unit, string id, CancellationToken cancellationToken) =>
        JourneyRules.IdShape().IsMatch(id)
            ? await unit.GetAsync(JourneyCollections.Journeys, id, cancellationToken) ?? DefaultJourneys.Find(id)
            : null;

    private static async Task<IResult> PutAsync(
        string id, JourneyRequest request, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        if (!JourneyRules.IdShape().IsMatch(id))
        {
            throw ProblemException.NotFound("Journey", id);
        }

        var stored = await unit.FindAsync(TemplateQueries.List(null).Take(1000), cancellationToken);
        var templates = stored.Concat(DefaultTemplates.All).Select(t => (t.Key, t.Channel)).ToHashSet();
        var errors = new ValidationErrors();
        var parsed = JourneyRules.Parse(id, request, (key, channel) => templates.Contains((key, channel)), errors);
        errors.ThrowIfAny();

        var expected = ETags.ExpectedVersion(ifMatch, What);
        var current = await unit.GetAsync(JourneyCollections.Journeys, id, cancellationToken);
        ETags.CheckVersion(expected, current?.Version ?? 0, What);
        var next = parsed! with { Version = (current?.Version ?? 0) + 1, UpdatedAt = unit.Now, UpdatedBy = http.Actor().Id };
        unit.Save(JourneyCollections.Journeys, next, current);
        unit.Insert(JourneyCollections.Versions, next with { Id = Journey.VersionId(id, next.Version) });
        await unit.CommitAsync(cancellationToken);
        http.Response.SetETag(next.Version);
        return Results.Ok(next.ToResponse());
    }

    private static async Task<IResult> VersionsAsync(string id, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var versions = JourneyRules.IdShape().IsMatch(id) ? await unit.FindAsync(JourneyQueries.VersionsOf(id), cancellationToken) : [];
        var items = versions.Concat(DefaultJourneys.Find(id) is { } d ? [d] : []).Select(j => j.ToResponse()).ToList();
        if (items.Count == 0)
        {
            throw ProblemException.NotFound("Journey", id);
        }

        return Results.Ok(new Page<JourneyResponse> { Items = items, NextCursor = null });
    }

    private static async Task<IResult> EnrollmentsAsync(string? contactId, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var contact = string.IsNullOrWhiteSpace(contactId) ? null : contactId.Trim();
        if (contact is null || contact.Length > 100)
        {
            throw new RequestValidationException("contactId", "Required: a contact id (at most 100 characters).");
        }

        if (http.Caller() is { SeesEverything: false })
        {
            throw new ProblemException(StatusCodes.Status403Forbidden, "Forbidden.", "A contact's journeys are shown to managers, administrators and API keys.");
        }

        var enrollments = await unit.FindAsync(JourneyQueries.OfContact(contact), cancellationToken);
        return Results.Ok(new Page<JourneyEnrollmentResponse> { Items = [.. enrollments.Select(e => e.ToResponse())], NextCursor = null });
    }

    private static async Task<IResult> StopAsync(string id, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var enrollment = await unit.GetAsync(JourneyCollections.Enrollments, id, cancellationToken) ?? throw ProblemException.NotFound("Journey enrollment", id);
        if (enrollment.Status != EnrollmentStatus.Active)
        {
            throw ProblemException.Conflict("The enrollment has ended.", $"Enrollment '{id}' is {enrollment.Status} already.");
        }

        var stopped = JourneyRunner.End(unit, enrollment, EnrollmentStatus.Stopped, JourneyStops.Manual);
        await unit.CommitAsync(cancellationToken);
        return Results.Ok(stopped.ToResponse());
    }
}
