using Crm.Contracts.Audit;

namespace Crm.Contracts.Api.Gateway;

/// <summary>Body of <c>POST /api/gateway/keys</c>: a new API key for a system that integrates through the gateway.</summary>
public sealed record CreateApiKeyRequest
{
    /// <summary>Who uses the key (e.g. <c>web-shop</c>), 1 to 100 characters; keys of one name share a rate limit.</summary>
    public string? Name { get; init; }

    /// <summary>What the key may do, at least one: <c>&lt;service&gt;:read|write|admin</c>, e.g. <c>leads:write</c>.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>When the key stops working (UTC, in the future); null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Addresses or CIDR ranges the key is accepted from (e.g. <c>203.0.113.0/24</c>); empty or null: any.</summary>
    public IReadOnlyList<string>? AllowedIps { get; init; }

    /// <summary>The key's own rate limit; null: the gateway's default.</summary>
    public KeyRateLimit? RateLimit { get; init; }

    /// <summary>Requests per UTC day; null: no quota.</summary>
    public long? DailyQuota { get; init; }
}

/// <summary>A key's token bucket.</summary>
public sealed record KeyRateLimit
{
    /// <summary>Sustained requests per second (greater than 0).</summary>
    public double PermitsPerSecond { get; init; }

    /// <summary>Requests at once after being idle (at least 1).</summary>
    public int Burst { get; init; }
}

/// <summary>Body of <c>POST /api/gateway/keys/{id}/rotate</c>.</summary>
public sealed record RotateApiKeyRequest
{
    /// <summary>How long the old key keeps working beside the new one, 0 to 10080 minutes (7 days); default 60.</summary>
    public int? OverlapMinutes { get; init; }
}

/// <summary>An API key as the gateway stores it; the key itself is shown only once, when it is created.</summary>
public sealed record ApiKeyResponse
{
    /// <summary>The key's id.</summary>
    public required string Id { get; init; }

    /// <summary>Who uses the key.</summary>
    public required string Name { get; init; }

    /// <summary>The first characters of the key, to recognise it (e.g. <c>crm_3f9a1c2e</c>).</summary>
    public required string Prefix { get; init; }

    /// <summary>What the key may do.</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary><c>active</c>, <c>expired</c> or <c>revoked</c>.</summary>
    public required string Status { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it: the caller's name (<c>createdByActor</c> says which key or person).</summary>
    public required string CreatedBy { get; init; }

    /// <summary>Who created it: the admin key (kind <c>key</c>, its id) or person (kind <c>person</c>, their subject and role); null for keys created before this was recorded.</summary>
    public Actor? CreatedByActor { get; init; }

    /// <summary>When it stops working; null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was revoked, and by whom.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Who revoked it: the caller's name (<c>revokedByActor</c> says which key or person).</summary>
    public string? RevokedBy { get; init; }

    /// <summary>Who revoked it: the admin key or person; null while it is not revoked (and for keys revoked before this was recorded).</summary>
    public Actor? RevokedByActor { get; init; }

    /// <summary>When it was rotated (a new key replaced it; it works until <c>expiresAt</c>); null when it was not.</summary>
    public DateTimeOffset? RotatedAt { get; init; }

    /// <summary>Who rotated it: the admin key or person; null when it was not rotated.</summary>
    public Actor? RotatedByActor { get; init; }

    /// <summary>Addresses or ranges it is accepted from; empty: any.</summary>
    public required IReadOnlyList<string> AllowedIps { get; init; }

    /// <summary>Its own rate limit; null: the gateway's default.</summary>
    public KeyRateLimit? RateLimit { get; init; }

    /// <summary>Requests per UTC day; null: no quota.</summary>
    public long? DailyQuota { get; init; }

    /// <summary>The key this one replaced by rotation.</summary>
    public string? RotatedFrom { get; init; }

    /// <summary>Version for optimistic concurrency.</summary>
    public required long Version { get; init; }
}

/// <summary>Answer of a create or a rotation: the stored key and, this once, the key itself.</summary>
public sealed record CreatedApiKeyResponse
{
    /// <summary>The key to give the caller: <c>Authorization: Bearer &lt;key&gt;</c>. It is never shown again.</summary>
    public required string Key { get; init; }

    /// <summary>The stored key.</summary>
    public required ApiKeyResponse ApiKey { get; init; }
}
