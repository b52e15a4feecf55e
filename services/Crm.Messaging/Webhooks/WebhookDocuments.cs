using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Webhooks;

/// <summary>A webhook subscription, a document of <c>webhook_subscriptions</c>. The secret is kept to sign (HMAC needs it), never shown after creation or rotation.</summary>
public sealed record WebhookSubscription : IDocument
{
    public required string Id { get; init; }
    public required string Url { get; init; }
    public required IReadOnlyList<string> EventTypes { get; init; }
    public string? Description { get; init; }
    public required string Secret { get; init; }
    public required bool Active { get; init; }
    /// <summary>Why the platform deactivated it (a 410 Gone answer), null when active or paused by a caller.</summary>
    public string? DeactivatedReason { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public string? UpdatedBy { get; init; }
    public long Version { get; init; }

    public WebhookSubscriptionResponse ToResponse(bool withSecret = false) => new()
    {
        Id = Id,
        Url = Url,
        EventTypes = EventTypes,
        Description = Description,
        Active = Active,
        DeactivatedReason = DeactivatedReason,
        Secret = withSecret ? Secret : null,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
    };
}

/// <summary>The states of a delivery.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, Failed];
}

/// <summary>One attempt, as the log keeps it.</summary>
public sealed record WebhookAttempt
{
    public required DateTimeOffset At { get; init; }
    public int? StatusCode { get; init; }
    public required long DurationMs { get; init; }
    public string? Error { get; init; }
    public bool Replay { get; init; }

    public WebhookAttemptResponse ToResponse() => new() { At = At, StatusCode = StatusCode, DurationMs = DurationMs, Error = Error, Replay = Replay };
}

/// <summary>
/// One event to one subscription, a document of <c>webhook_deliveries</c>. Its id is the <c>Webhook-Id</c> of every
/// attempt (the receiver's idempotency key): <c>{eventId}-{subscriptionId}</c>, so one event reaches one subscription
/// under one id, however often the event is redelivered. The payload holds ids only (see <see cref="WebhookEvents"/>).
/// </summary>
public sealed record WebhookDelivery : IDocument
{
    /// <summary>How many attempts the log keeps (the newest).</summary>
    public const int MaxLogged = 50;

    public required string Id { get; init; }
    public required string SubscriptionId { get; init; }
    public required string EventType { get; init; }
    public required string EventId { get; init; }
    public required string Payload { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public IReadOnlyList<WebhookAttempt> Log { get; init; } = [];
    public long Version { get; init; }

    public static string IdOf(Guid eventId, string subscriptionId) => $"{eventId:N}-{subscriptionId}";

    public WebhookDeliveryResponse ToResponse(bool withLog) => new()
    {
        Id = Id,
        SubscriptionId = SubscriptionId,
        EventType = EventType,
        EventId = EventId,
        Status = Status,
        Attempts = Attempts,
        NextAttemptAt = NextAttemptAt,
        LastStatusCode = LastStatusCode,
        LastError = LastError,
        CreatedAt = CreatedAt,
        FirstAttemptAt = FirstAttemptAt,
        DeliveredAt = DeliveredAt,
        Payload = withLog ? Payload : null,
        AttemptLog = withLog ? Log.Select(a => a.ToResponse()).ToList() : null,
    };
}

/// <summary>
/// <c>webhook_subscriptions</c> (index <c>active_created</c>: the fan-out's active ones; <c>created</c>: the list) and
/// <c>webhook_deliveries</c> (index <c>subscription_created</c>: a subscription's log, newest first).
/// </summary>
public static class WebhookCollections
{
    public static readonly DocumentCollection<WebhookSubscription> Subscriptions = new DocumentCollection<WebhookSubscription>("webhook_subscriptions")
        .Index("active_created", i => i.Asc(s => s.Active).Asc(s => s.CreatedAt).Asc(s => s.Id))
        .Index("created", i => i.Desc(s => s.CreatedAt).Desc(s => s.Id));

    public static readonly DocumentCollection<WebhookDelivery> Deliveries = new DocumentCollection<WebhookDelivery>("webhook_deliveries")
        .Index("subscription_created", i => i.Asc(d => d.SubscriptionId).Desc(d => d.CreatedAt).Desc(d => d.Id));
}

/// <summary>The reads of webhook documents (besides by id), rendered by the catalog test.</summary>
public static class WebhookQueries
{
    /// <summary>At most this many subscriptions exist (each event is fanned out to every matching one in one unit of work).</summary>
    public const int MaxSubscriptions = 100;

    /// <summary>The active subscriptions to <paramref name="eventType"/> (index <c>active_created</c>).</summary>
    public static Query<WebhookSubscription> ActiveFor(string eventType) =>
        WebhookCollections.Subscriptions
            .Find(Filter<WebhookSubscription>.Eq(s => s.Active, true) & Filter<WebhookSubscription>.Contains(s => s.EventTypes, eventType))
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .Take(MaxSubscriptions);

    /// <summary>Every subscription, newest first (index <c>created</c>).</summary>
    public static Query<WebhookSubscription> Newest() =>
        WebhookCollections.Subscriptions.Find(Filter<WebhookSubscription>.All).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id);

    /// <summary>A subscription's deliveries, newest first, optionally of one status (index <c>subscription_created</c>).</summary>
    public static Query<WebhookDelivery> NewestOf(string subscriptionId, string? status)
    {
        var filter = Filter<WebhookDelivery>.Eq(d => d.SubscriptionId, subscriptionId);
        if (status is not null)
        {
            filter &= Filter<WebhookDelivery>.Eq(d => d.Status, status);
        }

        return WebhookCollections.Deliveries.Find(filter).OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id);
    }
}
