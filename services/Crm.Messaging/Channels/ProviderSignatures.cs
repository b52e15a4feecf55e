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

    /// <summary>
    /// The JSON body of a webhook signed with <c>X-Crm-Signature-256</c> = <c>sha256=</c> + hex HMAC-SHA256(<paramref name="secret"/>,
    /// the raw body), read up to <paramref name="maxBody"/> bytes: the value, or the answer refusing it (413 too large;
    /// 401 no secret configured, a missing or wrong signature). A body that is not valid JSON for <typeparamref name="T"/>
    /// throws <see cref="Crm.ServiceDefaults.Http.RequestValidationException"/> naming the field (a 400).
    /// </summary>
    public static async Task<(T? Value, Microsoft.AspNetCore.Http.IResult? Refusal)> ReadSignedJsonAsync<T>(
        Microsoft.AspNetCore.Http.HttpContext http, string? secret, int maxBody, System.Text.Json.JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var body = await Crm.ServiceDefaults.Http.IdempotentRequests.ReadBodyAsync(http.Request, maxBody, cancellationToken);
        if (body is null)
        {
            return (default, Microsoft.AspNetCore.Http.Results.Problem(statusCode: Microsoft.AspNetCore.Http.StatusCodes.Status413PayloadTooLarge, title: "Payload too large.", detail: $"At most {maxBody} bytes."));
        }

        var expected = string.IsNullOrEmpty(secret) ? null : Sha256(secret, body);
        if (!Matches(expected, http.Request.Headers[ProviderCallbacks.BounceSignatureHeader].ToString()))
        {
            return (default, SignatureRefused());
        }

        try
        {
            return (System.Text.Json.JsonSerializer.Deserialize<T>(body, json), null);
        }
        catch (System.Text.Json.JsonException ex)
        {
            var (field, reason, _) = Crm.ServiceDefaults.Http.CrmJsonErrors.Describe(ex);
            throw new Crm.ServiceDefaults.Http.RequestValidationException(field, reason);
        }
    }

    /// <summary>The 401 of every provider webhook whose signature is missing or does not verify.</summary>
    public static Microsoft.AspNetCore.Http.IResult SignatureRefused() =>
        Microsoft.AspNetCore.Http.Results.Problem(statusCode: Microsoft.AspNetCore.Http.StatusCodes.Status401Unauthorized, title: "Unauthorized.", detail: "The request's provider signature is missing or does not verify.");

    /// <summary>
    /// The <c>value</c> objects of a WhatsApp Cloud-like webhook body (<c>entry[].changes[].value</c>), where both its
    /// inbound <c>messages</c> and its delivery <c>statuses</c> are; anything of another shape is passed over.
    /// </summary>
    public static IEnumerable<System.Text.Json.JsonElement> WhatsAppCloudValues(System.Text.Json.JsonElement root)
    {
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != System.Text.Json.JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes) || changes.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                continue;
            }

            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind == System.Text.Json.JsonValueKind.Object && change.TryGetProperty("value", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    yield return value;
                }
            }
        }
    }
}
