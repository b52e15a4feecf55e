using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Crm.ServiceDefaults.Storage;
namespace Crm.ServiceDefaults.Http;

/// <summary>The list conventions of API.md, for every service: <c>limit</c> (default 50, 1..500) and an opaque base64url <c>cursor</c>.</summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Reads <c>limit</c>; adds a field error to <paramref name="errors"/> when it is not 1..500.</summary>
    public static int Limit(string? value, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return DefaultLimit;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > MaxLimit)
        {
            errors.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
            return DefaultLimit;
        }

        return limit;
    }

    /// <summary>
    /// <paramref name="query"/> from the position <paramref name="cursor"/> names (a <c>nextCursor</c> of the same
    /// list); adds a field error for <c>cursor</c> when it is not one.
    /// </summary>
    public static Query<T> StartAfter<T>(Query<T> query, string? cursor, ValidationErrors errors)
        where T : class, IDocument
    {
        if (query.TryStartAfter(cursor, out var started))
        {
            return started;
        }

        errors.Add("cursor", "Not a cursor from a previous page.");
        return query;
    }

    public static string Encode(string value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value));

    /// <summary>The cursor's text, or null (and a field error) when it is not one this service handed out.</summary>
    public static string? Decode(string? cursor, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        if (TryDecode(cursor, out var text))
        {
            return text;
        }

        errors.Add("cursor", "Not a cursor from a previous page.");
        return null;
    }

    /// <summary>Decodes a cursor made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string? cursor, out string text)
    {
        text = string.Empty;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 1000)
        {
            return false;
        }

        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
