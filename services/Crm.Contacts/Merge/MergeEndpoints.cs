using Crm.Contacts.Contacts;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Contacts.Merge;

/// <summary>A merge request checked on its own (every bad field at once), pure.</summary>
public static class MergeInput
{
    public const int MaxMerged = 10;

    public static MergeCommand? Parse(CreateMergeRequest request, ValidationErrors errors)
    {
        var survivor = request.SurvivorId?.Trim();
        if (string.IsNullOrEmpty(survivor))
        {
            errors.Add("survivorId", "Required: the contact that remains.");
        }

        var merged = request.MergedIds ?? [];
        if (merged.Count is 0 or > MaxMerged)
        {
            errors.Add("mergedIds", $"1 to {MaxMerged} contact ids.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < merged.Count; i++)
        {
            var id = merged[i]?.Trim();
            if (string.IsNullOrEmpty(id))
            {
                errors.Add($"mergedIds[{i}]", "A contact id.");
            }
            else if (id == survivor)
            {
                errors.Add($"mergedIds[{i}]", "The survivor itself: a contact cannot be merged into itself.");
            }
            else if (!seen.Add(id))
            {
                errors.Add($"mergedIds[{i}]", $"'{id}' is listed twice.");
            }
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, contactId) in request.Fields ?? new Dictionary<string, string>())
        {
            if (!MergeRules.IsField(field))
            {
                errors.Add($"fields.{field}", $"Unknown field: one of {string.Join(", ", MergeRules.Fields)} or customFields.<key>.");
            }
            else if (contactId != survivor && !seen.Contains(contactId ?? string.Empty))
            {
                errors.Add($"fields.{field}", "The id of the survivor or of one of the merged contacts.");
            }
            else
            {
                fields[field] = contactId!;
            }
        }

        return errors.IsEmpty ? new MergeCommand(survivor!, [.. seen], fields) : null;
    }
}

/// <summary>
/// Merges and un-merges: <c>POST /api/contacts/merges</c>, <c>GET /api/contacts/merges/{id}</c>,
/// <c>GET /api/contacts/merges?contactId=</c>, <c>POST /api/contacts/merges/{id}/undo</c>, and the survivorship rules
/// <c>GET/PUT /api/contacts/merge-rules</c>. Merging, undoing and the rules' change need <c>contacts:admin</c> (a merge
/// rewrites several people's records in every service: a dangerous operation, like erasure); reading needs <c>contacts:read</c>.
/// </summary>
public static class MergeEndpoints
{
    public static RouteGroupBuilder MapMergeEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/merges", MergeAsync)
            .RequireAccess(Access.Admin)
            .WithName("MergeContacts")
            .WithSummary("Merge contacts into one")
            .WithDescription("Merges `mergedIds` (1..10) into `survivorId` in one commit: the survivor's profile per field by the merge rules " +
                "(`/api/contacts/merge-rules`) or this request's `fields` choices, e-mails, phones, external ids and tags united; the merged contacts' " +
                "identities, orders, timeline entries, consent ledger entries and lead owners move to the survivor; consent combined (a refusal wins); " +
                "the summary and loyalty tier computed again. The merged contacts are kept as snapshots for an un-merge: `GET /api/contacts/{mergedId}` " +
                "answers 404 naming `mergedInto`. Publishes `ContactsMerged` (every service re-keys its records) and `ContactUpdated`. " +
                "400 names every bad field; 404 an unknown contact; 409 a contact erased, already merged, or (as a merged one) the survivor of a merge that stands. Needs `contacts:admin`.")
            .WithRequestExample(new CreateMergeRequest { SurvivorId = "0193a6c1d2e34f5a8b7c9d0e1f2a3b4c", MergedIds = ["0193a6c1d2e34f5a8b7c9d0e1f2a3b4d"], Fields = new Dictionary<string, string> { ["name"] = "0193a6c1d2e34f5a8b7c9d0e1f2a3b4d" } })
            .Produces<MergeResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/merges", ListAsync)
            .WithName("ListContactMerges")
            .WithSummary("List a contact's merges")
            .WithDescription("The merges `contactId` took part in (as survivor or merged), newest first, at most 100. A rep or team lead sees those of a survivor they see.")
            .WithParameterDescription("contactId", "The contact's id (required).")
            .Produces<Page<MergeResponse>>()
            .ProducesValidationProblem();
        group.MapGet("/merges/{id}", GetAsync)
            .WithName("GetContactMerge")
            .WithSummary("Get a merge")
            .WithDescription("Who was merged into whom, by whom and when, the survivor's profile as it stands, and `undoneAt` once undone.")
            .WithParameterDescription("id", "The merge's id.")
            .Produces<MergeResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/merges/{id}/undo", UndoAsync)
            .RequireAccess(Access.Admin)
            .WithName("UndoContactMerge")
            .WithSummary("Undo a merge (un-merge)")
            .WithDescription("Restores the merged contacts as they were, with their identities, consent, orders, timeline entries and lead owners; " +
                "what arrived for the survivor after the merge stays with it. The survivor's fields still as the merge left them get their " +
                "pre-merge values back; fields changed since keep their value. Publishes `ContactsUnmerged` (every service moves back what it " +
                "re-keyed). 409 when already undone. Needs `contacts:admin`.")
            .WithParameterDescription("id", "The merge's id.")
            .Produces<MergeResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/merge-rules", GetRulesAsync)
            .WithName("GetMergeRules")
            .WithSummary("Get the survivorship rules")
            .WithDescription("Per profile field, how a merge picks the survivor's value when the request does not: `mostRecent` (default), `survivor` or `oldest`. The `ETag` is the version.")
            .Produces<MergeRulesDocument>();
        group.MapPut("/merge-rules", PutRulesAsync)
            .RequireAccess(Access.Admin)
            .WithName("SetMergeRules")
            .WithSummary("Replace the survivorship rules")
            .WithDescription("`fields`: field (`name`, `emails`, `phones`, `locale`, `timeZone`, `country`, `region`, `birthday`, `address`, `lifecycleStage`, " +
                "`customFields.<key>`) → `mostRecent`, `survivor` or `oldest`; a field not listed is `mostRecent`. 400 names every bad field. " +
                "`If-Match` with the current version guards against lost updates (412). Needs `contacts:admin`.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new MergeRulesDocument { Fields = new Dictionary<string, string> { ["name"] = "mostRecent" } })
            .Produces<MergeRulesDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<IResult> MergeAsync(CreateMergeRequest request, ContactMerger merger, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var command = MergeInput.Parse(request, errors);
        errors.ThrowIfAny();
        ContactMerge merge;
        try
        {
            merge = await merger.MergeAsync(command!, http.Actor(), cancellationToken);
        }
        catch (DuplicateKeyException ex) when (ex.Collection == Orders.OrderCollections.Orders.Name)
        {
            throw ProblemException.Conflict(
                "Orders with the same reference.",
                "The survivor and a merged contact both have an order with the same reference: nothing was merged. Correct one of the orders, or merge the other way round after checking them.");
        }

        return Results.Created($"/api/contacts/merges/{merge.Id}", await ToResponseAsync(store, merge, cancellationToken));
    }

    private static async Task<IResult> UndoAsync(string id, ContactMerger merger, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var merge = await merger.UndoAsync(id, http.Actor(), cancellationToken);
        return Results.Ok(await ToResponseAsync(store, merge, cancellationToken));
    }

    private static async Task<IResult> GetAsync(string id, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var merge = id.Length <= 100 ? await store.GetAsync(MergeCollections.Merges, id, cancellationToken) : null;
        if (merge is null || await ContactAccess.VisibleContactAsync(store, http, merge.SurvivorId, cancellationToken) is null && http.Caller() is { SeesEverything: false })
        {
            throw ProblemException.NotFound("Merge", id);
        }

        return Results.Ok(await ToResponseAsync(store, merge, cancellationToken));
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => k != "contactId"))
        {
            errors.Add(unknown, "Unknown filter: contactId.");
        }

        var contactId = q["contactId"].ToString().Trim();
        if (contactId.Length is 0 or > 100 || q["contactId"].Count > 1)
        {
            errors.Add("contactId", "Required: one contact id.");
        }

        errors.ThrowIfAny();
        var merges = await store.FindAsync(MergeQueries.OfContact(contactId), cancellationToken);
        var items = new List<MergeResponse>();
        foreach (var merge in merges)
        {
            if (http.Caller() is { SeesEverything: true } || await ContactAccess.VisibleContactAsync(store, http, merge.SurvivorId, cancellationToken) is not null)
            {
                items.Add(await ToResponseAsync(store, merge, cancellationToken));
            }
        }

        return Results.Ok(new Page<MergeResponse> { Items = items });
    }

    private static Task<IResult> GetRulesAsync(IDocumentStore store, HttpContext http, CancellationToken cancellationToken) =>
        SettingsDocuments.GetAsync(store, http, MergeCollections.Rules, MergeRules.DocumentId, MergeRules.Default, r => r.ToDocument(), cancellationToken);

    private static Task<IResult> PutRulesAsync(MergeRulesDocument request, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = MergeRules.Parse(request, errors);
        errors.ThrowIfAny();
        return SettingsDocuments.PutAsync(unit, http, ifMatch, "merge rules", MergeCollections.Rules, MergeRules.DocumentId, version => parsed! with { UpdatedAt = unit.Now, Version = version }, r => r.ToDocument(), cancellationToken);
    }

    /// <summary>The merge with the survivor's profile as it stands now (as the merge left it when the survivor is gone).</summary>
    private static async Task<MergeResponse> ToResponseAsync(IDocumentStore store, ContactMerge merge, CancellationToken cancellationToken)
    {
        var survivor = await store.GetAsync(ContactCollections.Contacts, merge.SurvivorId, cancellationToken) ?? merge.SurvivorAfter;
        return new MergeResponse
        {
            Id = merge.Id,
            SurvivorId = merge.SurvivorId,
            MergedIds = merge.MergedIds,
            Survivor = ContactEndpoints.ToResponse(survivor, []),
            Fields = merge.Fields,
            By = merge.By,
            At = merge.At,
            UndoneAt = merge.UndoneAt,
            UndoneBy = merge.UndoneBy,
        };
    }
}
