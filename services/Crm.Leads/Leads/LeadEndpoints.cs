using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Leads.Leads;

/// <summary><c>POST /api/leads</c>, <c>POST /api/leads/batch</c>, <c>GET /api/leads</c>, <c>GET</c> and <c>PATCH /api/leads/{id}</c>.</summary>
public static class LeadEndpoints
{
    public static RouteGroupBuilder MapLeadEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("", (HttpContext context, CaptureLeadHandler handler, CancellationToken cancellationToken) => handler.HandleAsync(context, cancellationToken))
            .WithName("CaptureLead")
            .WithSummary("Capture a lead")
            .WithDescription(
                "Stores a lead from a web form, an ad platform, a referral, a call or any integration: the person is resolved to a " +
                "contact (by e-mail or phone), the lead enters its pipeline's first stage, is scored at once and assigned to a rep " +
                "asynchronously (`ownerId` stays null until then). At least one of `email` and `phone` is required; `channel` is " +
                "optional (inferred from `source` and `utm`, else `unknown`); a `phone` capture logs the call: a `call` activity by the " +
                "caller, which the default pipeline's exit from `new` counts. Unknown fields are rejected; a 400 names every bad field " +
                "at once, those Contacts finds in the e-mail or phone included. **200** (not 201): the contact already has an open lead " +
                "in this pipeline, and this capture was recorded on it (what it did not know is filled in, the capture scores as a " +
                "`repeat-capture` signal) — `Location` and the body are that lead. **202**: Contacts could not answer; the lead is " +
                "stored with `contactPending: true` and resolved, scored, assigned and welcomed as soon as Contacts answers. " +
                "`capturedAt` (optional) is when the person submitted the form as the source reports it (an ad lead form's " +
                "`created_time`, a trade fair's import): not more than 5 minutes in the future nor older than `Leads:MaxCapturedAtAge` " +
                "(default 90 days), else a field error in the same 400; absent means now. The lead's `capturedAt` and `LeadCaptured`'s " +
                "time take it (daily figures count the lead on that day); the lead is scored, assigned and its SLA clock started as of " +
                "now, so an old capture never breaches on arrival.")
            .WithRequestHeader(
                CaptureLeadHandler.IdempotencyHeader,
                "Makes retries safe: a retry with the same key and body returns the first response (201, 202 or 200) without a second " +
                "lead; the same key with another body is a 409. Keys are the caller's own and kept at least 24 h.",
                CaptureLeadHandler.MaxIdempotencyKey)
            .Accepts<CaptureLeadRequest>("application/json")
            .WithRequestExample(new CaptureLeadRequest
            {
                Name = "Anna Schmidt",
                Email = "anna@example.com",
                Phone = "+49 30 1234567",
                Source = "spring-landing",
                Utm = new UtmTags { Source = "google", Medium = "cpc", Campaign = "spring" },
                Interest = "premium plan",
                Budget = new Money { Amount = "1200.00", Currency = "EUR" },
                DecisionDate = new DateOnly(2026, 12, 20),
                PagesVisited = 4,
                LastInteractionAt = new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero),
                Fields = new Dictionary<string, string> { ["household"] = "4" },
            })
            .Produces<LeadResponse>(StatusCodes.Status201Created)
            .Produces<LeadResponse>(StatusCodes.Status202Accepted)
            .Produces<LeadResponse>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/batch", (HttpContext context, CaptureLeadHandler handler, CancellationToken cancellationToken) => handler.HandleBatchAsync(context, cancellationToken))
            .WithName("CaptureLeadBatch")
            .WithSummary("Capture up to 1,000 leads")
            .WithDescription(
                "Each item is captured exactly as `POST /api/leads` would, on its own: the answer is 200 with one result per item " +
                "(`status` 201, 202, 200 or 400 with its `errors`), never all-or-nothing. An item for a contact that an earlier item " +
                "of the batch opened a lead for is recorded on that lead (200). Each item may carry its own `capturedAt` (as for one " +
                "lead: an import of older captures). `Idempotency-Key` replays the whole answer. At most 1,000 items and 8 MiB.")
            .WithRequestHeader(CaptureLeadHandler.IdempotencyHeader, "Replays the batch's first answer for a retry with the same key and body.", CaptureLeadHandler.MaxIdempotencyKey)
            .Accepts<BatchCaptureRequest>("application/json")
            .WithRequestExample(new BatchCaptureRequest
            {
                Items =
                [
                    new CaptureLeadRequest { Name = "Ben Berg", Email = "ben@example.com", Source = "fair-2026", Interest = "solar" },
                    new CaptureLeadRequest { Phone = "+49 170 1234567", Source = "partner-referral", ReferredBy = "cust-1001" },
                ],
            })
            .Produces<BatchCaptureResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("", ListAsync)
            .WithName("ListLeads")
            .WithSummary("List and search leads")
            .WithDescription(
                "Filters (all optional, combined): `stage`, `pipeline`, `status` (open, won, lost), `grade`, `owner` (rep id), `team`, " +
                "`source`, `channel`, `campaign`, `contactId`, `createdFrom` / `createdTo` (capture time, ISO-8601, from inclusive, to " +
                "exclusive), `scoreMin` / `scoreMax` (inclusive). `sort`: `-capturedAt` (newest first, default), `capturedAt` (oldest " +
                "first), `-score`, `score`. Cursor paging (`limit` 1..500, default 50; `cursor` from `nextCursor`). A rep sees only " +
                "their own leads, a team lead their team's and their own.")
            .Produces<Page<LeadResponse>>()
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetAsync)
            .WithName("GetLead")
            .WithSummary("Get a lead")
            .WithDescription("The lead with its stage, history, activities, score, the score's explanation and, once assigned, its owner. `ETag` is its version.")
            .WithParameterDescription("id", "The lead's id (from the `id` of the capture response or `Location`).")
            .Produces<LeadResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPatch("/{id}", PatchAsync)
            .WithName("UpdateLead")
            .WithSummary("Change a lead's attributes")
            .WithDescription(
                "JSON merge patch (`application/merge-patch+json` or JSON) of `campaign`, `interest`, `region`, `budget`, " +
                "`decisionDate`, `referredBy` and `fields` (per key: a string sets it, null removes it): absent means unchanged, " +
                "null clears. Name, e-mail and phone belong to the contact. `If-Match` with the version guards against lost " +
                "updates (412).")
            .WithParameterDescription("id", "The lead's id.")
            .Accepts<UpdateLeadRequest>("application/json", "application/merge-patch+json")
            .WithRequestExample(new { interest = "premium plan", budget = new Money { Amount = "1500.00", Currency = "EUR" }, decisionDate = "2026-12-20", fields = new Dictionary<string, string?> { ["household"] = "5", ["old"] = null } })
            .Produces<LeadResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    /// <summary>
    /// The lead, or a 404 when it does not exist or the caller may not see it (<see cref="CallerIdentity.Sees"/>): a
    /// rep's colleague's lead is answered exactly like one that does not exist.
    /// </summary>
    public static async Task<Lead> VisibleLeadAsync(UnitOfWork unit, HttpContext http, string id, CancellationToken cancellationToken)
    {
        var lead = id.Length <= 100 ? await unit.GetAsync(LeadCollections.Leads, id, cancellationToken) : null;
        return lead is null || http.Caller()?.Sees(lead.OwnerId, lead.OwnerTeamId) != true
            ? throw new ProblemException(StatusCodes.Status404NotFound, "Lead not found.", $"There is no lead '{id}'.")
            : lead;
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var lead = await VisibleLeadAsync(unit, http, id, cancellationToken);
        http.Response.SetETag(lead.Version);
        return Results.Ok(lead.ToResponse());
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        var filter = new LeadFilter
        {
            Stage = Text(q, "stage", errors),
            Pipeline = Text(q, "pipeline", errors),
            Status = Enum<LeadStatus>(q, "status", errors),
            Grade = Enum<Grade>(q, "grade", errors),
            Owner = Text(q, "owner", errors),
            Team = Text(q, "team", errors),
            Source = Text(q, "source", errors),
            Channel = Enum<Channel>(q, "channel", errors),
            Campaign = Text(q, "campaign", errors),
            ContactId = Text(q, "contactId", errors),
            CreatedFrom = Time(q, "createdFrom", errors),
            CreatedTo = Time(q, "createdTo", errors),
            ScoreMin = Number(q, "scoreMin", errors),
            ScoreMax = Number(q, "scoreMax", errors),
            Sort = Text(q, "sort", errors) ?? "-capturedAt",
        };
        if (!LeadQueries.Sorts.Contains(filter.Sort))
        {
            errors.Add("sort", $"One of {string.Join(", ", LeadQueries.Sorts)}.");
        }

        var known = new[] { "stage", "pipeline", "status", "grade", "owner", "team", "source", "channel", "campaign", "contactId", "createdFrom", "createdTo", "scoreMin", "scoreMax", "sort", "limit", "cursor" };
        foreach (var unknown in q.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add(unknown, "Unknown filter.");
        }

        var caller = http.Caller()!;
        filter = Visible(filter, caller, out var nothing);
        var take = Paging.Limit(q["limit"], errors);
        var query = Paging.StartAfter(LeadQueries.List(filter), q["cursor"], errors);
        errors.ThrowIfAny();
        if (nothing)
        {
            return Results.Ok(new Page<LeadResponse> { Items = [] });
        }

        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<LeadResponse> { Items = [.. page.Items.Select(l => l.ToResponse())], NextCursor = page.NextCursor });
    }

    /// <summary>The filter narrowed to what the caller sees: a rep their own leads, a team lead their team's (their own through it); <paramref name="nothing"/> when they see none.</summary>
    internal static LeadFilter Visible(LeadFilter filter, CallerIdentity caller, out bool nothing)
    {
        nothing = false;
        if (caller.SeesEverything)
        {
            return filter;
        }

        if (caller.Role == PersonRoles.TeamLead && !string.IsNullOrEmpty(caller.TeamId))
        {
            nothing = filter.Team is not null && filter.Team != caller.TeamId;
            return filter with { Team = caller.TeamId };
        }

        if (caller.Role is PersonRoles.Rep or PersonRoles.TeamLead && !string.IsNullOrEmpty(caller.RepId))
        {
            nothing = filter.Owner is not null && filter.Owner != caller.RepId;
            return filter with { Owner = caller.RepId };
        }

        nothing = true;
        return filter;
    }

    private static async Task<IResult> PatchAsync(string id, HttpContext http, UnitOfWork unit, Scoring.ScoringRules rules, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken cancellationToken)
    {
        var patch = await MergePatchBody.ReadAsync(http.Request, cancellationToken);

        var expected = ETags.ExpectedVersion(ifMatch, "lead");
        var lead = await VisibleLeadAsync(unit, http, id, cancellationToken);
        ETags.CheckVersion(expected, lead.Version, "lead");
        var changed = LeadPatch.Apply(lead, patch, out var errors);
        errors.ThrowIfAny();
        if (changed != lead)
        {
            // Fit rules look at these attributes: the score follows the change.
            changed = changed with { Version = lead.Version + 1, UpdatedAt = unit.Now };
            if (lead.Status == LeadStatus.Open && !lead.ContactPending)
            {
                changed = Scoring.LeadScoring.Scored(changed, await rules.CurrentAsync(cancellationToken), unit.Now);
                Scoring.LeadScoring.Announce(unit, lead, changed, "attributes");
            }

            unit.Replace(LeadCollections.Leads, changed, lead.Version);
        }

        http.Response.SetETag(changed.Version);
        return Results.Ok(changed.ToResponse());
    }

    private static string? Text(IQueryCollection q, string name, ValidationErrors errors)
    {
        var value = q[name].ToString();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (q[name].Count > 1 || value.Length > 200)
        {
            errors.Add(name, "One value of at most 200 characters.");
        }

        return value;
    }

    private static T? Enum<T>(IQueryCollection q, string name, ValidationErrors errors)
        where T : struct, Enum
    {
        var value = Text(q, name, errors);
        if (value is null)
        {
            return null;
        }

        var names = System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToList();
        if (!names.Contains(value, StringComparer.Ordinal))
        {
            errors.Add(name, $"One of {string.Join(", ", names)}.");
            return null;
        }

        return System.Enum.Parse<T>(value, ignoreCase: true);
    }

    private static DateTimeOffset? Time(IQueryCollection q, string name, ValidationErrors errors)
    {
        var value = Text(q, name, errors);
        if (value is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            errors.Add(name, "An ISO-8601 time (2026-11-30T08:00:00Z).");
            return null;
        }

        return time;
    }

    private static int? Number(IQueryCollection q, string name, ValidationErrors errors)
    {
        var value = Text(q, name, errors);
        if (value is null)
        {
            return null;
        }

        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            errors.Add(name, "A whole number.");
            return null;
        }

        return number;
    }
}
