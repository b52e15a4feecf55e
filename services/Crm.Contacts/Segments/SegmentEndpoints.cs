using System.Text.Json;
using Crm.Contacts.Consent;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Contacts.Segments;

/// <summary>
/// Live segments: <c>/api/contacts/segments</c> (define: <c>contacts:admin</c>; read: <c>contacts:read</c>), the preview of a
/// rule, and a segment's members.
/// </summary>
public static class SegmentEndpoints
{
    public const int MaxName = 200;
    public const int MaxDescription = 2000;
    public const int PreviewSamples = 10;
    private const int PreviewPage = 500;

    private const string RuleHelp =
        "A rule is a group `{\"all\": [...]}` (and) or `{\"any\": [...]}` (or), nested at most 4 deep, of conditions `{\"field\", \"op\", \"value\"}` " +
        "(at most 50). Fields: `lifecycleStage`, `tags`, `country`, `region`, `locale`, `timeZone`, `birthday`, `createdAt`, `customFields.<key>`, " +
        "`consent.email|sms|whatsapp|phone` (granted, withdrawn, unknown), `doNotContact`, `summary.orders`, `summary.firstOrderAt`, `summary.lastOrderAt`, " +
        "`summary.lastMessageAt`, `summary.lastInteractionAt`, `summary.totalSpent.<CURRENCY>`, `rfm.recency`, `rfm.frequency`, `rfm.monetary`, `rfm.tier`. " +
        "Operators: eq, ne, in, gt, gte, lt, lte, between (both bounds included), contains (a tag; a substring of a text), exists (true/false), " +
        "olderThan and withinLast with an ISO 8601 duration (`P90D`, `P2W`, `PT12H`). Every bad node is named by its path (`rule.all[1].value`) in one 400.";

    /// <summary>The documented example: customers without an order in 90 days who agreed to e-mails.</summary>
    public static readonly SegmentRequest Example = new()
    {
        Name = "Lapsed customers with e-mail consent",
        Description = "Customers who have not ordered for 90 days and may be e-mailed.",
        Rule = new SegmentRule
        {
            All =
            [
                new SegmentRule { Field = "lifecycleStage", Op = "eq", Value = JsonSerializer.SerializeToElement("customer") },
                new SegmentRule { Field = "summary.lastOrderAt", Op = "olderThan", Value = JsonSerializer.SerializeToElement("P90D") },
                new SegmentRule
                {
                    Any =
                    [
                        new SegmentRule { Field = "consent.email", Op = "eq", Value = JsonSerializer.SerializeToElement("granted") },
                        new SegmentRule { Field = "tags", Op = "contains", Value = JsonSerializer.SerializeToElement("newsletter") },
                    ],
                },
                new SegmentRule { Field = "doNotContact", Op = "eq", Value = JsonSerializer.SerializeToElement(false) },
            ],
        },
    };

    public static RouteGroupBuilder MapSegmentEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/segments", CreateAsync)
            .RequireAccess(Access.Admin)
            .WithName("CreateSegment")
            .WithSummary("Define a segment")
            .WithDescription("Saves a named rule; its membership is built over every contact in the background (`status: building`, then `live`) and kept live from then on: " +
                "every change of a contact's profile, consent, orders or loyalty, and the passing of time for relative dates, re-evaluates it and publishes " +
                "`SegmentMembershipChanged` when the contact joins or leaves. " + RuleHelp + " Needs `contacts:admin`.")
            .WithRequestExample(Example)
            .Produces<SegmentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        group.MapGet("/segments", ListAsync)
            .WithName("ListSegments")
            .WithSummary("List the segments")
            .WithDescription("Every segment in creation order, each with its member `count` and `status`.")
            .Produces<Page<SegmentResponse>>();
        group.MapPost("/segments/preview", PreviewAsync)
            .RequireAccess(Access.Admin)
            .WithName("PreviewSegment")
            .WithSummary("Preview a rule")
            .WithDescription("How many contacts the rule selects now and the first few of them (id order); nothing is stored. It reads every contact (a scan): " +
                "meant for defining segments, not for polling. " + RuleHelp + " Needs `contacts:admin`.")
            .WithRequestExample(new SegmentPreviewRequest { Rule = Example.Rule })
            .Produces<SegmentPreviewResponse>()
            .ProducesValidationProblem();
        group.MapGet("/segments/{segmentId}", GetAsync)
            .WithName("GetSegment")
            .WithSummary("Get a segment")
            .WithDescription("The rule, `status` (building, live), member `count`, and `version` (also the `ETag`).")
            .WithParameterDescription("segmentId", "The segment's id.")
            .Produces<SegmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/segments/{segmentId}", ReplaceAsync)
            .RequireAccess(Access.Admin)
            .WithName("ReplaceSegment")
            .WithSummary("Replace a segment")
            .WithDescription("Replaces the name, description and rule; the membership is built again in the background (`status: building`): contacts that no longer " +
                "match leave, new ones join, each with `SegmentMembershipChanged`. `If-Match` with the current version guards against lost updates (412). " + RuleHelp + " Needs `contacts:admin`.")
            .WithParameterDescription("segmentId", "The segment's id.")
            .WithParameterDescription("If-Match", "Replace only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(Example)
            .Produces<SegmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapDelete("/segments/{segmentId}", DeleteAsync)
            .RequireAccess(Access.Admin)
            .WithName("DeleteSegment")
            .WithSummary("Delete a segment")
            .WithDescription("Removes the segment and its memberships (no `SegmentMembershipChanged` per member: the segment is gone). `If-Match` as for a replace. Needs `contacts:admin`.")
            .WithParameterDescription("segmentId", "The segment's id.")
            .WithParameterDescription("If-Match", "Delete only this version; `*` or none: any version. A stale version is a 412.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapGet("/segments/{segmentId}/members", MembersAsync)
            .WithName("ListSegmentMembers")
            .WithSummary("List a segment's members")
            .WithDescription("Contact ids in id order with the time each joined; cursor paging (`limit` 1..500, default 50; `cursor` from `nextCursor`). " +
                "A rep or team lead sees only the members they may see (a page may then hold fewer than `limit`).")
            .WithParameterDescription("segmentId", "The segment's id.")
            .Produces<Page<SegmentMemberResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> CreateAsync(SegmentRequest request, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        Validate(request);
        var segment = new Segment
        {
            Id = Ids.New(),
            Name = request.Name!.Trim(),
            Description = request.Description,
            Rule = request.Rule!,
            Status = Segment.Building,
            CreatedAt = unit.Now,
            UpdatedAt = unit.Now,
            UpdatedBy = http.Actor(),
            Version = 1,
        };
        await unit.RunAsync(
            async () =>
            {
                unit.Insert(SegmentCollections.Segments, segment);
                await StampAsync(unit, cancellationToken);
                SegmentMembership.StartBuild(unit, segment);
                return segment;
            },
            cancellationToken: cancellationToken);
        http.Response.SetETag(segment.Version);
        return Results.Created($"/api/contacts/segments/{segment.Id}", segment.ToResponse(0));
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        foreach (var unknown in http.Request.Query.Keys)
        {
            errors.Add(unknown, "Unknown filter.");
        }

        errors.ThrowIfAny();
        var segments = await store.FindAsync(SegmentQueries.All(), cancellationToken);
        var items = new List<SegmentResponse>(segments.Count);
        foreach (var segment in segments)
        {
            items.Add(segment.ToResponse(await store.CountAsync(SegmentQueries.Members(segment.Id), cancellationToken)));
        }

        return Results.Ok(new Page<SegmentResponse> { Items = items });
    }

    private static async Task<IResult> GetAsync(string segmentId, IDocumentStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(SegmentCollections.Segments, segmentId, cancellationToken) is not { } segment)
        {
            return NotFound(segmentId);
        }

        http.Response.SetETag(segment.Version);
        return Results.Ok(segment.ToResponse(await store.CountAsync(SegmentQueries.Members(segment.Id), cancellationToken)));
    }

    private static async Task<IResult> ReplaceAsync(string segmentId, SegmentRequest request, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, HttpContext http, CancellationToken cancellationToken)
    {
        Validate(request);
        var expected = ETags.ExpectedVersion(ifMatch, "segment");
        if (await unit.GetAsync(SegmentCollections.Segments, segmentId, cancellationToken) is not { } current)
        {
            return NotFound(segmentId);
        }

        ETags.CheckVersion(expected, current.Version, "segment");
        var segment = current with
        {
            Name = request.Name!.Trim(),
            Description = request.Description,
            Rule = request.Rule!,
            Status = Segment.Building,
            UpdatedAt = unit.Now,
            UpdatedBy = http.Actor(),
            Version = current.Version + 1,
        };
        unit.Replace(SegmentCollections.Segments, segment, current.Version);
        await StampAsync(unit, cancellationToken);
        SegmentMembership.StartBuild(unit, segment);
        await unit.CommitAsync(cancellationToken);
        http.Response.SetETag(segment.Version);
        return Results.Ok(segment.ToResponse(await unit.Store.CountAsync(SegmentQueries.Members(segment.Id), cancellationToken)));
    }

    private static async Task<IResult> DeleteAsync(string segmentId, [FromHeader(Name = "If-Match")] string? ifMatch, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var expected = ETags.ExpectedVersion(ifMatch, "segment");
        if (await unit.GetAsync(SegmentCollections.Segments, segmentId, cancellationToken) is not { } current)
        {
            return NotFound(segmentId);
        }

        ETags.CheckVersion(expected, current.Version, "segment");
        unit.Delete(SegmentCollections.Segments, Filter<Segment>.Eq(x => x.Id, segmentId) & Filter<Segment>.Eq(x => x.Version, current.Version), expectOne: true);
        unit.Add(SegmentQueries.DeleteMembers(segmentId));
        unit.CancelTimer(SegmentMembership.BuildKind, segmentId);
        await StampAsync(unit, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> PreviewAsync(SegmentPreviewRequest request, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var rule = SegmentRules.Compile(request.Rule, errors);
        errors.ThrowIfAny();
        var now = time.GetUtcNow();
        long count = 0;
        var samples = new List<string>(PreviewSamples);
        var query = SegmentQueries.ContactsById().Take(PreviewPage);
        while (true)
        {
            var contacts = await store.FindAsync(query, cancellationToken);
            var ids = contacts.Select(c => c.Id).ToList();
            var consents = (await store.GetManyAsync(ConsentCollections.Consents, ids, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
            var summaries = (await store.GetManyAsync(OrderCollections.Summaries, ids, cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
            foreach (var contact in contacts.Where(c => rule!.Matches(new SegmentFacts(c, consents.GetValueOrDefault(c.Id), summaries.GetValueOrDefault(c.Id)), now)))
            {
                count++;
                if (samples.Count < PreviewSamples)
                {
                    samples.Add(contact.Id);
                }
            }

            if (contacts.Count < PreviewPage)
            {
                break;
            }

            query = query.StartAfter(contacts[^1]);
        }

        return Results.Ok(new SegmentPreviewResponse { Count = count, SampleContactIds = samples });
    }

    private static async Task<IResult> MembersAsync(string segmentId, HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        foreach (var unknown in q.Keys.Where(k => k is not ("limit" or "cursor")))
        {
            errors.Add(unknown, "Unknown filter.");
        }

        var take = Paging.Limit(q["limit"], errors);
        var query = Paging.StartAfter(SegmentQueries.Members(segmentId), q["cursor"], errors);
        errors.ThrowIfAny();
        if (await store.GetAsync(SegmentCollections.Segments, segmentId, cancellationToken) is null)
        {
            return NotFound(segmentId);
        }

        var page = await store.PageAsync(query, take, cancellationToken);
        IEnumerable<SegmentMember> visible = page.Items;
        if (http.Caller() is { SeesEverything: false } caller)
        {
            var owners = (await store.GetManyAsync(OwnershipCollections.Owners, page.Items.Select(m => m.ContactId), cancellationToken)).ToDictionary(o => o.Id, StringComparer.Ordinal);
            visible = page.Items.Where(m => owners.TryGetValue(m.ContactId, out var o) && caller.SeesAny(o.Owners));
        }

        return Results.Ok(new Page<SegmentMemberResponse>
        {
            Items = [.. visible.Select(m => new SegmentMemberResponse { ContactId = m.ContactId, Since = m.Since })],
            NextCursor = page.NextCursor,
        });
    }

    /// <summary>Every bad field of a definition in one 400.</summary>
    private static void Validate(SegmentRequest request)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > MaxName)
        {
            errors.Add("name", $"1 to {MaxName} characters.");
        }

        if (request.Description is { Length: > MaxDescription })
        {
            errors.Add("description", $"At most {MaxDescription} characters.");
        }

        SegmentRules.Compile(request.Rule, errors);
        errors.ThrowIfAny();
    }

    /// <summary>Moves the catalog stamp on (guarded: concurrent definitions run again), so every evaluator reloads the definitions.</summary>
    private static async Task StampAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        var current = await unit.GetAsync(SegmentCollections.Catalog, SegmentCatalogStamp.DocumentId, cancellationToken);
        unit.Save(SegmentCollections.Catalog, new SegmentCatalogStamp { Version = (current?.Version ?? 0) + 1 }, current);
    }

    private static IResult NotFound(string segmentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Segment not found.", detail: $"No segment has the id '{segmentId}'.");
}
