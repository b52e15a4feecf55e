using System.Security.Cryptography;
using System.Text;

namespace Crm.Messaging.Channels;

/// <summary>The providers' webhook signatures (pure), compared in constant time.</summary>
public static class ProviderSignatures
{
    /// <summary>Twilio's scheme: Base64(HMAC-SHA1(AuthToken, the full URL + every form key and value, keys sorted ordinally, concatenated)).</summary>
    public static string Twilio(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var text = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append(value);
        }

#pragma warning disable CA5350 // the provider's scheme is HMAC-SHA1 (an HMAC, not a bare SHA-1 hash); we verify, we do not choose
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(text.ToString())));
#pragma warning restore CA5350
    }

    /// <summary>Meta's (and our e-mail bounces') scheme: <c>sha256=</c> + lower-case hex HMAC-SHA256(secret, the raw body).</summary>
    public static string Sha256(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>True when <paramref name="given"/> is <paramref name="expected"/> (constant time); a missing secret or signature is never valid.</summary>
    public static bool Matches(string? expected, string? given) =>
        !string.IsNullOrEmpty(expected) && !string.IsNullOrEmpty(given)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
}
