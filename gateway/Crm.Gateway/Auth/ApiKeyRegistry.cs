using System.Security.Cryptography;
using System.Text;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Auth;

/// <summary>An accepted API key as the gateway knows it: its name and what it may do.</summary>
public sealed record ApiKey(string Name, IReadOnlySet<string> Scopes)
{
    /// <summary>The identity the gateway signs and forwards for calls made with this key.</summary>
    public CallerIdentity Caller { get; } = new(Name, CallerIdentity.KeyKind, Name, Scopes);
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
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
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
