namespace Crm.Contracts.Api.Messaging;

/// <summary>A new webhook subscription: where to POST which of the platform's events.</summary>
public sealed record WebhookSubscriptionRequest
{
    /// <summary>Where deliveries are POSTed: an absolute https URL (at most 2,000 characters) whose host resolves to a public address.</summary>
    public string? Url { get; init; }

    /// <summary>The public event names to deliver (e.g. lead.won, message.sent), at least one.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>What the subscription is for (at most 500 characters).</summary>
    public string? Description { get; init; }

    /// <summary>The signing secret (32 to 256 characters); generated (32 random bytes) when left out. Shown once, in the answer.</summary>
    public string? Secret { get; init; }
}

/// <summary>Changes to a webhook subscription: a field left out (or null) stays as it is.</summary>
public sealed record WebhookSubscriptionPatch
{
    /// <summary>A new destination (same rules as on creation).</summary>
    public string? Url { get; init; }

    /// <summary>The new list of event names (replaces the old one).</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>A new description; an empty one clears it.</summary>
    public string? Description { get; init; }

    /// <summary>false pauses deliveries (new events are not delivered, pending ones fail); true resumes.</summary>
    public bool? Active { get; init; }
}

/// <summary>A webhook subscription. The secret is only in the answer to its creation and to rotate-secret.</summary>
public sealed record WebhookSubscriptionResponse
{
    public required string Id { get; init; }

    /// <summary>Where deliveries are POSTed.</summary>
    public required string Url { get; init; }

    /// <summary>The public event names delivered.</summary>
    public required IReadOnlyList<string> EventTypes { get; init; }

    public string? Description { get; init; }

    /// <summary>false: nothing is delivered (paused, or deactivated by a 410 Gone: see deactivatedReason).</summary>
    public required bool Active { get; init; }

    /// <summary>Why the platform deactivated it (e.g. "410 Gone"), null otherwise.</summary>
    public string? DeactivatedReason { get; init; }

    /// <summary>The signing secret: only in the answer to POST /webhooks and POST /webhooks/{id}/rotate-secret, never again.</summary>
    public string? Secret { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required long Version { get; init; }
}

/// <summary>One delivery of one event to one subscription; its id is the Webhook-Id header (the idempotency key).</summary>
public sealed record WebhookDeliveryResponse
{
    /// <summary>The delivery id, sent as Webhook-Id on every attempt (the receiver's idempotency key).</summary>
    public required string Id { get; init; }

    public required string SubscriptionId { get; init; }

    /// <summary>The public event name (e.g. lead.won).</summary>
    public required string EventType { get; init; }

    /// <summary>The platform event's id.</summary>
    public required string EventId { get; init; }

    /// <summary>pending (a next attempt is scheduled), delivered (a 2xx answer) or failed (given up).</summary>
    public required string Status { get; init; }

    /// <summary>Attempts made so far (replays included).</summary>
    public required int Attempts { get; init; }

    /// <summary>When the next attempt is due (pending only).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The HTTP status of the last attempt (null: no answer).</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>What went wrong in the last attempt (timeout, refused destination, HTTP status...).</summary>
    public string? LastError { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FirstAttemptAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>The body POSTed (JSON: type, eventId, occurredAt, data — ids only).</summary>
    public string? Payload { get; init; }

    /// <summary>The attempts, oldest first (the last 50); only when one delivery is read.</summary>
    public IReadOnlyList<WebhookAttemptResponse>? AttemptLog { get; init; }
}

/// <summary>One attempt to deliver.</summary>
public sealed record WebhookAttemptResponse
{
    public required DateTimeOffset At { get; init; }

    /// <summary>The receiver's HTTP status; null when there was no answer (timeout, refused, connection error).</summary>
    public int? StatusCode { get; init; }

    /// <summary>How long the attempt took, in milliseconds.</summary>
    public required long DurationMs { get; init; }

    public string? Error { get; init; }

    /// <summary>true: sent by a manual replay.</summary>
    public bool Replay { get; init; }
}
