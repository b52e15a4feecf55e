using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Auth;

/// <summary>
/// The accepted API keys as SHA-256 hashes. A presented key is hashed and compared with every known hash in fixed
/// time, so neither the key nor its position in the list leaks through timing.
/// </summary>
public sealed class ApiKeyRegistry
{
    private readonly (string Name, byte[] Hash)[] _keys;

    public ApiKeyRegistry(IOptions<GatewayOptions> options)
    {
        _keys = [.. options.Value.ApiKeys.Select(k => (k.Name, HashOf(k)))];
    }

    public int Count => _keys.Length;

    /// <summary>The name of the key <paramref name="presented"/>, or null when no configured key matches.</summary>
    public string? Match(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        string? name = null;
        foreach (var key in _keys)
        {
            // No early exit: every hash is compared.
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash))
            {
                name ??= key.Name;
            }
        }

        return name;
    }

    /// <summary>SHA-256 of <paramref name="key"/> as 64 lower-case hex digits (the form <c>KeySha256</c> takes).</summary>
    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static byte[] HashOf(ApiKeyOptions key) =>
        !string.IsNullOrEmpty(key.Key)
            ? SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))
            : Convert.FromHexString(key.KeySha256!.Trim());
}
