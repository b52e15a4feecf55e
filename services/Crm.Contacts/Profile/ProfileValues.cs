using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Crm.Contacts.Identity;

namespace Crm.Contacts.Profile;

/// <summary>
/// The profile's value rules, pure and in one place: each normaliser returns the stored form or why the input is not
/// one (phrased to follow the field name). E-mails and phones go through <see cref="EmailNormalizer"/> and
/// <see cref="PhoneNormalizer"/>, exactly as identity resolution does.
/// </summary>
public static partial class ProfileValues
{
    public const int MaxEmails = 10;
    public const int MaxPhones = 10;
    public const int MaxExternalIds = 20;
    public const int MaxExternalKind = 30;
    public const int MaxExternalValue = 200;
    public const int MaxRegion = 100;
    public const int MaxStreet = 200;
    public const int MaxPostalCode = 20;
    public const int MaxCity = 100;
    public const int MaxTags = 50;
    public const int MaxTag = 50;
    public static readonly DateOnly EarliestBirthday = new(1900, 1, 1);

    /// <summary>
    /// A BCP 47 language tag, checked for its shape (language of 2–3 letters, optional script of 4, optional region of
    /// 2 letters or 3 digits, optional variants) and written in canonical case: <c>DE-de</c> → <c>de-DE</c>,
    /// <c>zh-hant-tw</c> → <c>zh-Hant-TW</c>, <c>en_GB</c> → <c>en-GB</c>.
    /// </summary>
    public static NormalizationResult Locale(string? input)
    {
        var value = (input ?? string.Empty).Trim().Replace('_', '-');
        if (value.Length == 0 || value.Length > 35 || !LocalePattern().IsMatch(value))
        {
            return NormalizationResult.Invalid("must be a BCP 47 language tag such as de-DE or en");
        }

        var parts = value.Split('-');
        var canonical = new StringBuilder(parts[0].ToLowerInvariant());
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            canonical.Append('-').Append(part.Length switch
            {
                4 when i == 1 && part.All(char.IsAsciiLetter) => char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant(),
                2 => part.ToUpperInvariant(),
                _ => part.ToLowerInvariant(),
            });
        }

        return NormalizationResult.Ok(canonical.ToString());
    }

    /// <summary>An IANA time zone id this machine's time zone database knows (<c>Europe/Berlin</c>, <c>UTC</c>); Windows ids are refused.</summary>
    public static NormalizationResult TimeZone(string? input)
    {
        var value = (input ?? string.Empty).Trim();
        if (Crm.ServiceDefaults.Time.TimeZones.Find(value) is { HasIanaId: true } zone)
        {
            return NormalizationResult.Ok(zone.Id);
        }

        return NormalizationResult.Invalid("must be an IANA time zone such as Europe/Berlin");
    }

    /// <summary>ISO 3166-1 alpha-2, upper-case (the region codes libphonenumber knows: DE, AT, US...).</summary>
    public static NormalizationResult Country(string? input)
    {
        var value = (input ?? string.Empty).Trim();
        return value.Length == 2 && PhoneNormalizer.IsSupportedRegion(value)
            ? NormalizationResult.Ok(value.ToUpperInvariant())
            : NormalizationResult.Invalid("must be an ISO 3166-1 alpha-2 country code such as DE");
    }

    /// <summary>Free text, trimmed, 1 to <see cref="MaxRegion"/> characters, no control characters.</summary>
    public static NormalizationResult Region(string? input) => Text(input, MaxRegion);

    /// <summary>A date not after <paramref name="today"/> and not before 1900.</summary>
    public static string? BirthdayProblem(DateOnly birthday, DateOnly today) =>
        birthday > today ? "must not be in the future"
        : birthday < EarliestBirthday ? "must not be before 1900-01-01"
        : null;

    /// <summary>A tag: trimmed, lower-case, 1 to <see cref="MaxTag"/> characters, no control characters and no commas.</summary>
    public static NormalizationResult Tag(string? input)
    {
        var text = Text(input, MaxTag);
        if (!text.IsValid)
        {
            return text;
        }

        return text.Value.Contains(',', StringComparison.Ordinal)
            ? NormalizationResult.Invalid("must not contain a comma")
            : NormalizationResult.Ok(text.Value.ToLowerInvariant());
    }

    /// <summary>An external id's kind: lower-case letters, digits and '-', 1 to 30 characters (<c>Shop</c> → <c>shop</c>).</summary>
    public static NormalizationResult ExternalKind(string? input)
    {
        var value = (input ?? string.Empty).Trim().ToLowerInvariant();
        return value.Length is > 0 and <= MaxExternalKind && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? NormalizationResult.Ok(value)
            : NormalizationResult.Invalid($"kind must be 1 to {MaxExternalKind} lower-case letters, digits or '-'");
    }

    /// <summary>An external id: trimmed, case kept, 1 to 200 characters, no spaces or control characters.</summary>
    public static NormalizationResult ExternalValue(string? input)
    {
        var value = (input ?? string.Empty).Trim();
        if (value.Length is 0 or > MaxExternalValue)
        {
            return NormalizationResult.Invalid($"value must be 1 to {MaxExternalValue} characters");
        }

        return value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? NormalizationResult.Invalid("value must not contain spaces or control characters")
            : NormalizationResult.Ok(value);
    }

    /// <summary>
    /// The name as the name search compares it: trimmed, runs of white space as one space, lower-case (invariant);
    /// null without a name. A search for <c>anna sch</c> finds <c>Anna  Schmidt</c> (prefix of this key).
    /// </summary>
    public static string? NameKey(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        return string.Join(' ', name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
    }

    /// <summary>Trimmed, 1 to <paramref name="max"/> characters, no control characters.</summary>
    public static NormalizationResult Text(string? input, int max)
    {
        var value = (input ?? string.Empty).Trim();
        if (value.Length == 0)
        {
            return NormalizationResult.Invalid("must not be empty");
        }

        if (value.Length > max)
        {
            return NormalizationResult.Invalid(string.Create(CultureInfo.InvariantCulture, $"must be at most {max} characters"));
        }

        return value.Any(char.IsControl)
            ? NormalizationResult.Invalid("must not contain control characters")
            : NormalizationResult.Ok(value);
    }

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();
}
