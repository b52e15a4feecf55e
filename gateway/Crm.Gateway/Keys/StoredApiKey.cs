using System.Net;
using System.Security.Cryptography;
using Crm.Contracts.Api.Gateway;
using Crm.Contracts.Audit;
using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Storage;

namespace Crm.Gateway.Keys;

/// <summary>
/// An API key kept in the gateway's store: its SHA-256 (never the key), name, scopes, expiry, revocation, the
/// addresses it is accepted from and its own limits, and who created, revoked or rotated it. Created, listed, revoked and
/// rotated through <c>/api/gateway/keys</c>.
/// </summary>
public sealed record StoredApiKey : IDocument
{
    public const string KeyPrefix = "crm_";

    public required string Id { get; init; }
    public required string Name { get; init; }

    /// <summary>SHA-256 of the key as 64 lower-case hex digits (unique index: the lookup of every request).</summary>
    public required string Hash { get; init; }

    /// <summary>The key's first characters (<c>crm_</c> and 8 hex digits), shown in lists to recognise it.</summary>
    public required string Prefix { get; init; }

    public required List<string> Scopes { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The creator's name (all that keys created before <see cref="CreatedByActor"/> existed record).</summary>
    public required string CreatedBy { get; init; }

    /// <summary>Who created the key (the admin key or person); null in older documents.</summary>
    public Actor? CreatedByActor { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The revoker's name.</summary>
    public string? RevokedBy { get; init; }

    /// <summary>Who revoked the key; null while it is not revoked and in older documents.</summary>
    public Actor? RevokedByActor { get; init; }

    /// <summary>When the key was rotated (replaced by a new one that names it in <see cref="RotatedFrom"/>).</summary>
    public DateTimeOffset? RotatedAt { get; init; }

    /// <summary>Who rotated the key.</summary>
    public Actor? RotatedByActor { get; init; }

    public List<string> AllowedIps { get; init; } = [];
    public double? PermitsPerSecond { get; init; }
    public int? Burst { get; init; }
    public long? DailyQuota { get; init; }
    public string? RotatedFrom { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>The key's own bucket, when both halves are stored.</summary>
    private KeyRateLimit? OwnLimit => PermitsPerSecond is { } rate && Burst is { } burst ? new KeyRateLimit { PermitsPerSecond = rate, Burst = burst } : null;

    public string StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? "revoked" : ExpiresAt is { } expires && expires <= now ? "expired" : "active";

    /// <summary>A new random key (<c>crm_</c>, 8 hex digits, <c>_</c>, 43 base64url characters: 256 random bits).</summary>
    public static string NewKey()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var id = RandomNumberGenerator.GetBytes(4);
        return $"{KeyPrefix}{Convert.ToHexStringLower(id)}_{Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
    }

    public static string PrefixOf(string key) => key.Length >= 12 ? key[..12] : key;

    /// <summary>The key as authentication sees it.</summary>
    public ApiKey ToApiKey() => new(Name, Scopes.ToHashSet(StringComparer.Ordinal), Id)
    {
        ExpiresAt = ExpiresAt,
        Revoked = RevokedAt is not null,
        AllowedNetworks = [.. AllowedIps.Select(ParseNetwork)],
        RateLimit = OwnLimit is { } limit ? new RateLimitOptions { PermitsPerSecond = limit.PermitsPerSecond, Burst = limit.Burst } : null,
        DailyQuota = DailyQuota,
    };

    public ApiKeyResponse ToResponse(DateTimeOffset now) => new()
    {
        Id = Id,
        Name = Name,
        Prefix = Prefix,
        Scopes = Scopes,
        Status = StatusAt(now),
        CreatedAt = CreatedAt,
        CreatedBy = CreatedBy,
        CreatedByActor = CreatedByActor,
        ExpiresAt = ExpiresAt,
        RevokedAt = RevokedAt,
        RevokedBy = RevokedBy,
        RevokedByActor = RevokedByActor,
        RotatedAt = RotatedAt,
        RotatedByActor = RotatedByActor,
        AllowedIps = AllowedIps,
        RateLimit = OwnLimit,
        DailyQuota = DailyQuota,
        RotatedFrom = RotatedFrom,
        Version = Version,
    };

    /// <summary>An address (one host) or a CIDR range; null when <paramref name="text"/> is neither.</summary>
    public static IPNetwork? TryParseNetwork(string text)
    {
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        return IPAddress.TryParse(text, out var address)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    private static IPNetwork ParseNetwork(string text) =>
        TryParseNetwork(text) ?? throw new InvalidOperationException($"Stored allowed address '{text}' is neither an address nor a CIDR range.");
}

/// <summary>The gateway's collection and queries.</summary>
public static class KeyCollections
{
    /// <summary>Keys by id; <c>hash</c> finds the key a request presents.</summary>
    public static readonly DocumentCollection<StoredApiKey> Keys = new DocumentCollection<StoredApiKey>("api_keys")
        .Index("hash", i => i.Asc(x => x.Hash).Unique());

    public static Query<StoredApiKey> ByHash(string hash) =>
        Keys.Find(Filter<StoredApiKey>.Eq(x => x.Hash, hash)).Take(1);

    public static Query<StoredApiKey> InCreationOrder() => Keys.All().OrderBy(x => x.Id);
}
