using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

/// <summary>Versions as entity tags: <c>ETag: "3"</c> out, <c>If-Match</c> in (optimistic concurrency, 412 when stale).</summary>
public static class ETags
{
    public static void SetETag(this HttpResponse response, long version) =>
        response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>Accepts <c>"3"</c>, <c>W/"3"</c>, <c>3</c>; <c>*</c> means any version (null).</summary>
    public static bool TryParseIfMatch(string value, out long? version)
    {
        version = null;
        var text = value.Trim();
        if (text == "*")
        {
            return true;
        }

        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The version <c>If-Match</c> asks for (null: none or <c>*</c>). A value this platform never hands out is a 412:
    /// it matches no version.
    /// </summary>
    public static long? ExpectedVersion(string? ifMatch, string what)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return null;
        }

        return TryParseIfMatch(ifMatch, out var version)
            ? version
            : throw new ProblemException(StatusCodes.Status412PreconditionFailed, $"The {what} has changed.", $"If-Match '{ifMatch}' does not name a version of this {what}.");
    }

    /// <summary>Throws a 412 when <paramref name="expected"/> is given and is not <paramref name="current"/>.</summary>
    public static void CheckVersion(long? expected, long current, string what)
    {
        if (expected is { } version && version != current)
        {
            throw new ProblemException(
                StatusCodes.Status412PreconditionFailed,
                $"The {what} has changed.",
                $"If-Match names version {version} but the {what} is at version {current}: read it again and retry.");
        }
    }
}
