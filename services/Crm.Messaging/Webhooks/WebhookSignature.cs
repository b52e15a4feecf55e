using System.Security.Cryptography;
using System.Text;

namespace Crm.Messaging.Webhooks;

/// <summary>
/// The signature of a delivery (Standard Webhooks style): <c>Webhook-Signature: v1=&lt;hex HMAC-SHA256&gt;</c> of
/// <c>{Webhook-Id}.{Webhook-Timestamp}.{body}</c> (UTF-8) keyed by the subscription's secret (its UTF-8 bytes). The
/// receiver recomputes it over the raw body, compares in constant time and refuses a timestamp far from its clock.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "Webhook-Id";
    public const string TimestampHeader = "Webhook-Timestamp";
    public const string SignatureHeader = "Webhook-Signature";

    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>Whether <paramref name="signature"/> is the signature of the delivery (constant-time).</summary>
    public static bool Verify(string secret, string id, long timestamp, string body, string signature) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body)), Encoding.ASCII.GetBytes(signature));

    /// <summary>A new secret: 32 random bytes, base64url (43 characters).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
