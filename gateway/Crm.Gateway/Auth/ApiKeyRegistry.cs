using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Auth;

/// <summary>
/// An accepted API key as the gateway knows it: its name and what it may do, and for keys kept in the store
/// (<see cref="Keys.StoredApiKey"/>) its expiry, revocation, the addresses it is accepted from and its own limits.
/// </summary>
/// <param name="Name">The key's name (its rate-limit partition and the forwarded identity's subject).</param>
/// <param name="Scopes">What the key may do.</param>
/// <param name="Id">The stored key's id; null for keys from configuration.</param>
public sealed record ApiKey(string Name, IReadOnlySet<string> Scopes, string? Id = null)
{
    public DateTimeOffset? ExpiresAt { get; init; }

    public bool Revoked { get; init; }

    /// <summary>Where the key is accepted from; empty: anywhere.</summary>
    public IReadOnlyList<System.Net.IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary>The key's own token bucket; null: <c>Gateway:RateLimit</c>.</summary>
    public RateLimitOptions? RateLimit { get; init; }

    /// <summary>Requests per UTC day; null: no quota.</summary>
    public long? DailyQuota { get; init; }

    /// <summary>The request's user for calls made with this key (built once per key, not per request).</summary>
    public ClaimsPrincipal Principal { get; } = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, Name), new Claim(ApiKeyAuth.KeyNameClaim, Name)], ApiKeyAuth.Scheme));

    /// <summary>The identity the gateway signs and forwards for calls made with this key (with the stored key's id).</summary>
    public CallerIdentity Caller { get; } = new(Name, CallerIdentity.KeyKind, Name, Scopes) { KeyId = Id };

    /// <summary>Null when the key may be used now from <paramref name="address"/>, else why not.</summary>
    public string? RefusalAt(DateTimeOffset now, System.Net.IPAddress? address)
    {
        if (Revoked)
        {
            return "The API key was revoked.";
        }

        if (ExpiresAt is { } expires && expires <= now)
        {
            return "The API key has expired.";
        }

        if (AllowedNetworks.Count > 0)
        {
            var from = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
            if (from is null || !AllowedNetworks.Any(n => n.Contains(from)))
            {
                return "The API key is not accepted from this address.";
            }
        }

        return null;
    }
}

/// <summary>
/// The accepted API keys as SHA-256 hashes: the configured ones and the bootstrap admin key. A presented key is hashed
/// and compared with every known hash in fixed time, so neither the key nor its position in the list leaks through
/// timing.
/// </summary>
public sealed class ApiKeyRegistry
{
    public const string BootstrapAdminName = "bootstrap-admin";

    private readonly (ApiKey Key, byte[] Hash)[] _keys;

    public ApiKeyRegistry(IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        var keys = o.ApiKeys
            .Select(k => (new ApiKey(k.Name, k.Scopes.ToHashSet(StringComparer.Ordinal)), HashOf(k.Key, k.KeySha256)))
            .ToList();
        if (!string.IsNullOrEmpty(o.BootstrapAdminKey) || !string.IsNullOrEmpty(o.BootstrapAdminKeySha256))
        {
            keys.Add((new ApiKey(BootstrapAdminName, Scopes.AllAdmin.ToHashSet(StringComparer.Ordinal)), HashOf(o.BootstrapAdminKey, o.BootstrapAdminKeySha256)));
        }

        _keys = [.. keys];
    }

    public int Count => _keys.Length;

    /// <summary>The key <paramref name="presented"/>, or null when no known key matches.</summary>
    public ApiKey? Match(string presented)
    {
        // On every request: hashed on the stack (a key is short; a long header is hashed from a pooled buffer).
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetMaxByteCount(presented.Length);
        var rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> utf8 = rented ?? stackalloc byte[256];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presented, utf8)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        ApiKey? match = null;
        foreach (var key in _keys)
        {
            // No early exit: every hash is compared.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash))
            {
                match ??= key.Key;
            }
        }

        return match;
    }

    /// <summary>SHA-256 of <paramref name="key"/> as 64 lower-case hex digits (the form <c>KeySha256</c> takes).</summary>
    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static byte[] HashOf(string? key, string? sha256) =>
        !string.IsNullOrEmpty(key)
            ? SHA256.HashData(Encoding.UTF8.GetBytes(key))
            : Convert.FromHexString(sha256!.Trim());
}
