using System.Text.RegularExpressions;

namespace Crm.Messaging.Templates;

/// <summary>Template locales: BCP 47 language with an optional region, and the order in which a template is looked for.</summary>
public static partial class Locales
{
    /// <summary>
    /// <paramref name="locale"/> in canonical case (<c>pt-br</c> → <c>pt-BR</c>, <c>EN</c> → <c>en</c>; <c>_</c> read as
    /// <c>-</c>), or null when it is not a language (2–3 letters) with an optional region (2 letters or 3 digits).
    /// </summary>
    public static string? Normalize(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return null;
        }

        var match = Shape().Match(locale.Trim().Replace('_', '-'));
        if (!match.Success)
        {
            return null;
        }

        var language = match.Groups[1].Value.ToLowerInvariant();
        return match.Groups[2].Success ? $"{language}-{match.Groups[2].Value.ToUpperInvariant()}" : language;
    }

    /// <summary>
    /// Where to look, in order: the contact's locale (<c>pt-BR</c>), its language (<c>pt</c>), then the default locale
    /// and its language; each once. A locale that is not one (blank, malformed) is skipped.
    /// </summary>
    public static IReadOnlyList<string> Fallback(string? contactLocale, string defaultLocale)
    {
        var chain = new List<string>(4);
        foreach (var locale in new[] { Normalize(contactLocale), Normalize(defaultLocale) })
        {
            if (locale is null)
            {
                continue;
            }

            Add(chain, locale);
            Add(chain, locale.Split('-')[0]);
        }

        return chain;
    }

    private static void Add(List<string> chain, string locale)
    {
        if (!chain.Contains(locale, StringComparer.Ordinal))
        {
            chain.Add(locale);
        }
    }

    [GeneratedRegex(@"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}|[0-9]{3}))?$")]
    private static partial Regex Shape();
}
