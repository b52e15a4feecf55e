using Crm.Contacts.Contacts;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// Possible duplicates for review: <c>GET /api/contacts/duplicates</c> (the review list), <c>GET /api/contacts/{id}/duplicates</c>
/// (one contact's) and <c>POST /api/contacts/duplicates/{pairId}/dismiss</c>. Nothing here merges.
/// </summary>
public static class DuplicateEndpoints
{
    private static readonly string[] ListParameters = ["status", "minScore", "limit", "cursor"];

    public static RouteGroupBuilder MapDuplicateEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/duplicates", ListAsync)
            .WithName("ListDuplicateCandidates")
            .WithSummary("List possible duplicates")
            .WithDescription("Pairs of contacts that may be one person, for review: conflicts first (captures whose e-mail belonged to one contact and phone to the other), " +
                "then by score (0..1: a similar name with another sign, the same e-mail name at another provider, the same phone ending, the same address). " +
                "Found after every change of a name, identity or address; never merged automatically. Filters: `status` (`open` by default, or `dismissed`), " +
                "`minScore` (0..1; conflicts always pass). Cursor paging (`limit` 1..500, default 50). " +
                "For managers, administrators and API keys (a rep or team lead gets 403: they see a contact's own pairs on `/api/contacts/{id}/duplicates`).")
            .Produces<Page<DuplicateCandidateResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/{id}/duplicates", OfContactAsync)
            .WithName("ListContactDuplicates")
            .WithSummary("List a contact's possible duplicates")
            .WithDescription("The contact's open pairs, highest rank first (at most 200). A rep or team lead sees only pairs whose other contact they see too.")
            .WithParameterDescription("id", "The contact's id.")
            .Produces<IReadOnlyList<DuplicateCandidateResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/duplicates/{pairId}/dismiss", DismissAsync)
            .WithName("DismissDuplicateCandidate")
            .WithSummary("Dismiss a possible duplicate")
            .WithDescription("Marks the pair as two people: it leaves the open list and is not proposed again by the comparison (further conflicting captures are still counted on it). " +
                "Dismissing a dismissed pair changes nothing. Managers, administrators and API keys with `contacts:write`.")
            .WithParameterDescription("pairId", "The pair's id (`<contactA>~<contactB>`).")
            .Produces<DuplicateCandidateResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        if (ReviewerOnly(http) is { } forbidden)
        {
            return forbidden;
        }

        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => !ListParameters.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add(unknown, $"Unknown filter: use {string.Join(", ", ListParameters)}.");
        }

        var status = q["status"].ToString() switch
        {
            "" or DuplicateCandidate.Open => DuplicateCandidate.Open,
            DuplicateCandidate.Dismissed => DuplicateCandidate.Dismissed,
            _ => Invalid(errors, "status", "One of open, dismissed."),
        };
        var minScore = 0.0;
        if (q["minScore"].ToString() is { Length: > 0 } text
            && (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out minScore) || minScore is < 0 or > 1))
        {
            errors.Add("minScore", "A number from 0 to 1.");
        }

        var take = Paging.Limit(q["limit"], errors);
        var query = Paging.StartAfter(DuplicateQueries.Review(status ?? DuplicateCandidate.Open, minScore), q["cursor"], errors);
        errors.ThrowIfAny();
        var page = await store.PageAsync(query, take, cancellationToken);
        return Results.Ok(new Page<DuplicateCandidateResponse> { Items = [.. page.Items.Select(ToResponse)], NextCursor = page.NextCursor });
    }

    private static async Task<IResult> OfContactAsync(string id, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        if (await ContactAccess.VisibleContactAsync(store, http, id, cancellationToken) is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Contact not found.", detail: $"No contact has the id '{id}'.");
        }

        var pairs = (await store.FindAsync(DuplicateQueries.OfContact(id), cancellationToken))
            .Where(p => p.Status == DuplicateCandidate.Open)
            .OrderByDescending(p => p.Rank)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .ToList();
        var visible = new List<DuplicateCandidate>(pairs.Count);
        foreach (var pair in pairs)
        {
            var other = pair.ContactA == id ? pair.ContactB : pair.ContactA;
            if (await ContactAccess.VisibleContactAsync(store, http, other, cancellationToken) is not null)
            {
                visible.Add(pair);
            }
        }

        return Results.Ok(visible.Select(ToResponse).ToList());
    }

    private static async Task<IResult> DismissAsync(string pairId, HttpContext http, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (ReviewerOnly(http) is { } forbidden)
        {
            return forbidden;
        }

        var pair = pairId.Length <= 210 ? await unit.GetAsync(DuplicateCollections.Candidates, pairId, cancellationToken) : null;
        if (pair is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Possible duplicate not found.", detail: $"No pair of contacts has the id '{pairId}'.");
        }

        if (pair.Status == DuplicateCandidate.Dismissed)
        {
            return Results.Ok(ToResponse(pair));
        }

        var dismissed = pair with { Status = DuplicateCandidate.Dismissed, DismissedBy = http.Actor(), DismissedAt = unit.Now, UpdatedAt = unit.Now };
        unit.Update(
            DuplicateCollections.Candidates,
            Filter<DuplicateCandidate>.Eq(x => x.Id, pair.Id),
            new Update<DuplicateCandidate>()
                .Set(x => x.Status, DuplicateCandidate.Dismissed)
                .Set(x => x.DismissedBy, dismissed.DismissedBy)
                .Set(x => x.DismissedAt, dismissed.DismissedAt)
                .Set(x => x.UpdatedAt, unit.Now));
        await unit.CommitAsync(cancellationToken);
        return Results.Ok(ToResponse(dismissed));
    }

    /// <summary>A pair names two contacts: the review list and its decisions are for callers who see every contact.</summary>
    private static IResult? ReviewerOnly(HttpContext http) =>
        http.Caller() is { SeesEverything: true }
            ? null
            : Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden.",
                detail: "The duplicate review is for managers, administrators and API keys; a contact's own pairs are on GET /api/contacts/{id}/duplicates.");

    private static string? Invalid(ValidationErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return null;
    }

    internal static DuplicateCandidateResponse ToResponse(DuplicateCandidate pair) => new()
    {
        Id = pair.Id,
        ContactA = pair.ContactA,
        ContactB = pair.ContactB,
        Score = pair.Score,
        Reasons = [.. pair.Reasons.Select(r => new DuplicateReasonDocument { Kind = r.Kind, Similarity = r.Similarity })],
        Conflict = pair.ConflictCount == 0 ? null : new DuplicateConflictDocument
        {
            Matches = [.. pair.ConflictMatches.Select(m => new DuplicateConflictMatch { Kind = m.Kind, ContactId = m.ContactId })],
            Count = pair.ConflictCount,
            LastSeenAt = pair.LastConflictAt ?? pair.UpdatedAt,
        },
        Status = pair.Status,
        DetectedAt = pair.DetectedAt,
        UpdatedAt = pair.UpdatedAt,
        DismissedBy = pair.DismissedBy,
        DismissedAt = pair.DismissedAt,
    };
}
