using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Mvc;

namespace Crm.Messaging.Webhooks;

/// <summary><c>/api/messaging/webhooks</c>: subscriptions (all <c>messaging:admin</c>), their delivery log and replay.</summary>
public static class WebhookEndpoints
{
    private const string What = "webhook subscription";

    private static readonly string EventList = string.Join(", ", WebhookEvents.All.Select(e => $"`{e.Name}`"));

    private static readonly WebhookSubscriptionRequest Example = new()
    {
        Url = "https://partner.example.com/crm/webhooks",
        EventTypes = [WebhookEvents.LeadWon, WebhookEvents.LeadLost],
        Description = "ERP: create the customer when a deal is won",
    };

    public static RouteGroupBuilder MapWebhookEndpoints(this RouteGroupBuilder group)
    {
        group.MapPost("/webhooks", CreateAsync)
            .RequireAccess(Access.Admin)
            .WithName("CreateWebhookSubscription")
            .WithSummary("Subscribe a URL to platform events")
            .WithDescription($"Creates a subscription: each event of `eventTypes` ({EventList}) is POSTed to `url`, signed (`Webhook-Signature: v1=` hex HMAC-SHA256 of `{{Webhook-Id}}.{{Webhook-Timestamp}}.{{body}}` with the secret), " +
                "retried with exponential back-off and jitter for 24 hours until a 2xx. The answer carries the `secret` (given, or 32 random bytes generated) — the only time it is shown. " +
                "The URL must be https and its host must resolve to public addresses only (no loopback, private, link-local, multicast...) unless `Webhooks:AllowedDestinations` allows it. 400 names every bad field. Needs `messaging:admin`.")
            .WithRequestExample(Example)
            .Produces<WebhookSubscriptionResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/webhooks", ListAsync)
            .RequireAccess(Access.Admin)
            .WithName("ListWebhookSubscriptions")
            .WithSummary("List webhook subscriptions")
            .WithDescription("Every subscription, newest first (never its secret). Needs `messaging:admin`.")
            .Produces<Page<WebhookSubscriptionResponse>>();
        group.MapGet("/webhooks/{id}", GetAsync)
            .RequireAccess(Access.Admin)
            .WithName("GetWebhookSubscription")
            .WithSummary("Get a webhook subscription")
            .WithDescription("The subscription (never its secret); `ETag` = version. Needs `messaging:admin`.")
            .WithParameterDescription("id", "The subscription id.")
            .Produces<WebhookSubscriptionResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPatch("/webhooks/{id}", PatchAsync)
            .RequireAccess(Access.Admin)
            .WithName("UpdateWebhookSubscription")
            .WithSummary("Change a webhook subscription")
            .WithDescription("Changes `url`, `eventTypes`, `description` or `active` (a field left out or null stays; an empty `description` clears it). `active: false` pauses it: new events are not delivered and pending deliveries fail at their next attempt; " +
                "`active: true` resumes it (also after a 410 Gone deactivated it). `If-Match` guards against lost updates (412). 400 names every bad field. Needs `messaging:admin`.")
            .WithParameterDescription("id", "The subscription id.")
            .WithParameterDescription("If-Match", "Change only this version; `*` or none: any version. A stale version is a 412.")
            .WithRequestExample(new WebhookSubscriptionPatch { Active = false })
            .Produces<WebhookSubscriptionResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        group.MapDelete("/webhooks/{id}", DeleteAsync)
            .RequireAccess(Access.Admin)
            .WithName("DeleteWebhookSubscription")
            .WithSummary("Delete a webhook subscription")
            .WithDescription("Deletes the subscription: nothing more is delivered (pending deliveries fail at their next attempt); its delivery log stays readable by the subscription id. Needs `messaging:admin`.")
            .WithParameterDescription("id", "The subscription id.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/webhooks/{id}/rotate-secret", RotateAsync)
            .RequireAccess(Access.Admin)
            .WithName("RotateWebhookSecret")
            .WithSummary("Rotate a webhook subscription's secret")
            .WithDescription("Replaces the signing secret by 32 new random bytes and answers the subscription with the new `secret` (shown this once). Every attempt from now on — retries and replays of earlier deliveries too — is signed with it. Needs `messaging:admin`.")
            .WithParameterDescription("id", "The subscription id.")
            .Produces<WebhookSubscriptionResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/webhooks/{id}/deliveries", ListDeliveriesAsync)
            .RequireAccess(Access.Admin)
            .WithName("ListWebhookDeliveries")
            .WithSummary("List a subscription's deliveries")
            .WithDescription("The delivery log of a subscription, newest first: status (`pending`, `delivered`, `failed`), attempts, the last status code and error, the next attempt. `status` filters. Needs `messaging:admin`.")
            .WithParameterDescription("id", "The subscription id.")
            .WithParameterDescription("status", "Only deliveries in this status: pending, delivered or failed.")
            .Produces<Page<WebhookDeliveryResponse>>()
            .ProducesValidationProblem();
        group.MapGet("/webhooks/deliveries/{deliveryId}", GetDeliveryAsync)
            .RequireAccess(Access.Admin)
            .WithName("GetWebhookDelivery")
            .WithSummary("Get a webhook delivery")
            .WithDescription("One delivery with its payload and its attempts (the last 50): time, HTTP status, duration, error, whether it was a replay. Needs `messaging:admin`.")
            .WithParameterDescription("deliveryId", "The delivery id (the Webhook-Id header the receiver saw).")
            .Produces<WebhookDeliveryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/webhooks/deliveries/{deliveryId}/replay", ReplayAsync)
            .RequireAccess(Access.Admin)
            .WithName("ReplayWebhookDelivery")
            .WithSummary("Send a webhook delivery again now")
            .WithDescription("Sends the delivery again at once — same body and `Webhook-Id` (so the receiver can drop it if it already has it), a new timestamp and signature — and answers it with the new attempt in its log. " +
                "A 2xx makes it `delivered`; a failure leaves a delivered or failed one as it was and a pending one on its schedule. Works while the subscription is paused; 404 when it was deleted. Needs `messaging:admin`.")
            .WithParameterDescription("deliveryId", "The delivery id.")
            .Produces<WebhookDeliveryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> CreateAsync(WebhookSubscriptionRequest request, WebhookHttp http, UnitOfWork unit, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var url = await CheckUrlAsync(request.Url, http, errors, cancellationToken);
        var eventTypes = CheckEventTypes(request.EventTypes, errors);
        var description = CheckDescription(request.Description, errors);
        if (request.Secret is not null && (request.Secret.Length is < 32 or > 256 || request.Secret.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            errors.Add("secret", "32 to 256 characters without spaces (at least 32 bytes of key), or leave it out to have one generated.");
        }

        errors.ThrowIfAny();
        if (await unit.Store.CountAsync(WebhookCollections.Subscriptions, Filter<WebhookSubscription>.All, cancellationToken) >= WebhookQueries.MaxSubscriptions)
        {
            throw ProblemException.Conflict("Too many subscriptions.", $"At most {WebhookQueries.MaxSubscriptions} webhook subscriptions exist; delete one first.");
        }

        var now = unit.Now;
        var subscription = new WebhookSubscription
        {
            Id = Ids.New(),
            Url = url!,
            EventTypes = eventTypes!,
            Description = description,
            Secret = request.Secret ?? WebhookSignature.NewSecret(),
            Active = true,
            CreatedAt = now,
            UpdatedAt = now,
            UpdatedBy = context.Actor().Id,
            Version = 1,
        };
        unit.Insert(WebhookCollections.Subscriptions, subscription);
        await unit.CommitAsync(cancellationToken);
        context.Response.SetETag(subscription.Version);
        return Results.Created($"/api/messaging/webhooks/{subscription.Id}", subscription.ToResponse(withSecret: true));
    }

    private static async Task<IResult> ListAsync(IDocumentStore store, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        if (!WebhookQueries.Newest().TryStartAfter(cursor, out var query))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var page = await store.PageAsync(query, size, cancellationToken);
        return Results.Ok(new Page<WebhookSubscriptionResponse> { Items = page.Items.Select(s => s.ToResponse()).ToList(), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetAsync(string id, IDocumentStore store, HttpContext context, CancellationToken cancellationToken)
    {
        var subscription = await store.GetAsync(WebhookCollections.Subscriptions, id, cancellationToken) ?? throw ProblemException.NotFound("Webhook subscription", id);
        context.Response.SetETag(subscription.Version);
        return Results.Ok(subscription.ToResponse());
    }

    private static async Task<IResult> PatchAsync(
        string id, WebhookSubscriptionPatch patch, [FromHeader(Name = "If-Match")] string? ifMatch, WebhookHttp http, UnitOfWork unit, HttpContext context, CancellationToken cancellationToken)
    {
        var expected = ETags.ExpectedVersion(ifMatch, What);
        var errors = new ValidationErrors();
        var url = patch.Url is null ? null : await CheckUrlAsync(patch.Url, http, errors, cancellationToken);
        var eventTypes = patch.EventTypes is null ? null : CheckEventTypes(patch.EventTypes, errors);
        var description = CheckDescription(patch.Description, errors);
        errors.ThrowIfAny();
        var current = await unit.GetAsync(WebhookCollections.Subscriptions, id, cancellationToken) ?? throw ProblemException.NotFound("Webhook subscription", id);
        ETags.CheckVersion(expected, current.Version, What);
        var active = patch.Active ?? current.Active;
        var changed = current with
        {
            Url = url ?? current.Url,
            EventTypes = eventTypes ?? current.EventTypes,
            Description = patch.Description is null ? current.Description : description,
            Active = active,
            DeactivatedReason = active ? null : current.DeactivatedReason,
            UpdatedAt = unit.Now,
            UpdatedBy = context.Actor().Id,
            Version = current.Version + 1,
        };
        unit.Replace(WebhookCollections.Subscriptions, changed, current.Version);
        await unit.CommitAsync(cancellationToken);
        context.Response.SetETag(changed.Version);
        return Results.Ok(changed.ToResponse());
    }

    private static async Task<IResult> DeleteAsync(string id, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var current = await unit.GetAsync(WebhookCollections.Subscriptions, id, cancellationToken) ?? throw ProblemException.NotFound("Webhook subscription", id);
        unit.Delete(WebhookCollections.Subscriptions, Filter<WebhookSubscription>.Eq(s => s.Id, current.Id), expectOne: true);
        await unit.CommitAsync(cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> RotateAsync(string id, UnitOfWork unit, HttpContext context, CancellationToken cancellationToken)
    {
        var current = await unit.GetAsync(WebhookCollections.Subscriptions, id, cancellationToken) ?? throw ProblemException.NotFound("Webhook subscription", id);
        var rotated = current with { Secret = WebhookSignature.NewSecret(), UpdatedAt = unit.Now, UpdatedBy = context.Actor().Id, Version = current.Version + 1 };
        unit.Replace(WebhookCollections.Subscriptions, rotated, current.Version);
        await unit.CommitAsync(cancellationToken);
        context.Response.SetETag(rotated.Version);
        return Results.Ok(rotated.ToResponse(withSecret: true));
    }

    private static async Task<IResult> ListDeliveriesAsync(string id, string? status, string? limit, string? cursor, IDocumentStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var size = Paging.Limit(limit, errors);
        var only = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        if (only is not null && !DeliveryStatus.All.Contains(only, StringComparer.Ordinal))
        {
            errors.Add("status", "pending, delivered or failed.");
        }

        if (!WebhookQueries.NewestOf(id, only).TryStartAfter(cursor, out var query))
        {
            errors.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page.");
        }

        errors.ThrowIfAny();
        var page = await store.PageAsync(query, size, cancellationToken);
        return Results.Ok(new Page<WebhookDeliveryResponse> { Items = page.Items.Select(d => d.ToResponse(withLog: false)).ToList(), NextCursor = page.NextCursor });
    }

    private static async Task<IResult> GetDeliveryAsync(string deliveryId, IDocumentStore store, CancellationToken cancellationToken)
    {
        var delivery = await store.GetAsync(WebhookCollections.Deliveries, deliveryId, cancellationToken) ?? throw ProblemException.NotFound("Webhook delivery", deliveryId);
        return Results.Ok(delivery.ToResponse(withLog: true));
    }

    private static async Task<IResult> ReplayAsync(string deliveryId, WebhookDispatcher dispatcher, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var delivery = await unit.GetAsync(WebhookCollections.Deliveries, deliveryId, cancellationToken) ?? throw ProblemException.NotFound("Webhook delivery", deliveryId);
        if (await unit.GetAsync(WebhookCollections.Subscriptions, delivery.SubscriptionId, cancellationToken) is null)
        {
            throw ProblemException.NotFound("Webhook subscription", delivery.SubscriptionId);
        }

        var replayed = await dispatcher.AttemptAsync(delivery, unit, replay: true, cancellationToken);
        await unit.CommitAsync(cancellationToken);
        return Results.Ok(replayed.ToResponse(withLog: true));
    }

    private static async Task<string?> CheckUrlAsync(string? url, WebhookHttp http, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (await http.CheckDestinationAsync(url, cancellationToken) is { } wrong)
        {
            errors.Add("url", wrong);
            return null;
        }

        return url!.Trim();
    }

    private static List<string>? CheckEventTypes(IReadOnlyList<string>? eventTypes, ValidationErrors errors)
    {
        if (eventTypes is null || eventTypes.Count == 0)
        {
            errors.Add("eventTypes", $"At least one of: {string.Join(", ", WebhookEvents.Names.Order(StringComparer.Ordinal))}.");
            return null;
        }

        var unknown = eventTypes.Where(e => e is null || !WebhookEvents.Names.Contains(e)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add("eventTypes", $"Unknown event types: {string.Join(", ", unknown)}; known: {string.Join(", ", WebhookEvents.Names.Order(StringComparer.Ordinal))}.");
            return null;
        }

        return eventTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static string? CheckDescription(string? description, ValidationErrors errors)
    {
        if (description is not null && (description.Length > 500 || description.Any(char.IsControl)))
        {
            errors.Add("description", "One line of at most 500 characters.");
            return null;
        }

        return string.IsNullOrWhiteSpace(description) ? null : description.Trim();
    }
}
