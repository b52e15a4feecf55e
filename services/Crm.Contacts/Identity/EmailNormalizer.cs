namespace Crm.Contacts.Identity;

/// <summary>
/// E-mail addresses as the contact store keys them: trimmed, lower-case, and plausible (one '@', a non-empty local
/// part, a domain with a dot and no empty labels, no spaces or control characters, at most 254 characters).
/// Deliberately not RFC 5322 in full: quoted local parts and IP literals are not what B2C leads type.
/// </summary>
public static class EmailNormalizer
{
    public const int MaxLength = 254;

    public static NormalizationResult Normalize(string? input)
    {
        var value = input?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            return NormalizationResult.Invalid("is required");
        }

        if (value.Length > MaxLength)
        {
            return NormalizationResult.Invalid($"must be at most {MaxLength} characters");
        }

        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return NormalizationResult.Invalid("must not contain spaces or control characters");
        }

        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || at != value.LastIndexOf('@'))
        {
            return NormalizationResult.Invalid("must contain exactly one '@'");
        }

        var local = value[..at];
        var domain = value[(at + 1)..];
        if (local.Length == 0)
        {
            return NormalizationResult.Invalid("needs a name before the '@'");
        }

        if (domain.Length == 0)
        {
            return NormalizationResult.Invalid("needs a domain after the '@'");
        }

        if (!domain.Contains('.', StringComparison.Ordinal))
        {
            return NormalizationResult.Invalid("needs a domain with a dot after the '@'");
        }

        if (domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains("..", StringComparison.Ordinal))
        {
            return NormalizationResult.Invalid("has an empty part in its domain");
        }

        return NormalizationResult.Ok(value.ToLowerInvariant());
    }
}
