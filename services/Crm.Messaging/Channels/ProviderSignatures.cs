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

    /// <summary>
    /// The form of a Twilio-like callback when its <c>X-Twilio-Signature</c> verifies (HMAC-SHA1 with
    /// <paramref name="authToken"/> over <paramref name="publicUrl"/>, else the URL as requested, and the sorted form
    /// pairs); null when it is not a form, no token is configured, or the signature is missing or wrong.
    /// </summary>
    public static async Task<Microsoft.AspNetCore.Http.IFormCollection?> ReadSignedTwilioFormAsync(
        Microsoft.AspNetCore.Http.HttpContext http, string? authToken, string? publicUrl, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
        {
            return null;
        }

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var pairs = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString())).ToList();
        var url = string.IsNullOrWhiteSpace(publicUrl)
            ? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}{http.Request.QueryString}"
            : publicUrl;
        var expected = string.IsNullOrEmpty(authToken) ? null : Twilio(authToken, url, pairs);
        return Matches(expected, http.Request.Headers[ProviderCallbacks.TwilioSignatureHeader].ToString()) ? form : null;
    }
}
