using PhoneNumbers;

namespace Crm.Contacts.Identity;

/// <summary>
/// Phone numbers to E.164 with libphonenumber: numbers written without a country code are read in the default
/// region (<c>030 1234567</c> in DE is <c>+49301234567</c>). A number that does not parse, or whose length is not
/// possible for its country, is rejected; so is a local-only number (no area code), which has no E.164 form.
/// "Possible", not "valid": lengths are checked, number ranges are not (new ranges must not be refused).
/// Extensions (<c>ext. 12</c>) are not part of E.164 and are dropped.
/// </summary>
public static class PhoneNormalizer
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly HashSet<string> Regions = new(Util.GetSupportedRegions(), StringComparer.Ordinal);

    /// <summary>True for a two-letter region libphonenumber knows (case-insensitive): DE, AT, US...</summary>
    public static bool IsSupportedRegion(string? region) =>
        !string.IsNullOrWhiteSpace(region) && Regions.Contains(region.Trim().ToUpperInvariant());

    public static NormalizationResult Normalize(string? input, string defaultRegion)
    {
        var value = input?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            return NormalizationResult.Invalid("is required");
        }

        if (!IsSupportedRegion(defaultRegion))
        {
            return NormalizationResult.Invalid($"cannot be read: '{defaultRegion}' is not a known region code");
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(value, defaultRegion.Trim().ToUpperInvariant());
        }
        catch (NumberParseException ex)
        {
            return NormalizationResult.Invalid(ex.ErrorType switch
            {
                ErrorType.INVALID_COUNTRY_CODE => "has no valid country code",
                ErrorType.TOO_SHORT_AFTER_IDD or ErrorType.TOO_SHORT_NSN => "is too short to be a phone number",
                ErrorType.TOO_LONG => "is too long to be a phone number",
                _ => "is not a phone number",
            });
        }

        var possible = Util.IsPossibleNumberWithReason(number);
        return possible switch
        {
            PhoneNumberUtil.ValidationResult.IS_POSSIBLE => NormalizationResult.Ok(Util.Format(number, PhoneNumberFormat.E164)),
            PhoneNumberUtil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY => NormalizationResult.Invalid("is too short: include the area code"),
            PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => NormalizationResult.Invalid("has no valid country code"),
            PhoneNumberUtil.ValidationResult.TOO_SHORT => NormalizationResult.Invalid("is too short for its country"),
            PhoneNumberUtil.ValidationResult.TOO_LONG => NormalizationResult.Invalid("is too long for its country"),
            _ => NormalizationResult.Invalid("does not have a possible length for its country"),
        };
    }
}
