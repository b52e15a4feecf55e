namespace Crm.ServiceDefaults.Http;

/// <summary>The one rule for names callers choose (rule names, stage keys, reasons, activity types, tiers, channels).</summary>
public static class Identifiers
{
    /// <summary>Lower-case kebab: a-z, 0-9 and single hyphens, starting with a letter, 1 to <paramref name="max"/> characters.</summary>
    public static bool IsKebab(string? value, int max = 40) =>
        value is { Length: > 0 } && value.Length <= max && char.IsAsciiLetterLower(value[0]) && !value.EndsWith('-') && !value.Contains("--", StringComparison.Ordinal)
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
