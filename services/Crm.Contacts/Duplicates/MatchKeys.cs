using System.Text;
using Crm.Contacts.Contacts;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// Blocking keys, pure: two contacts are compared only when they share a key, so finding a contact's possible
/// duplicates reads a few small key lists instead of every contact. A contact has a key
/// <list type="bullet">
/// <item><c>n:&lt;token&gt;|&lt;initial&gt;</c> per name token (folded: lower-case, no accents) and initial of another token:
/// <c>Anna Schmidt</c>, <c>Schmidt, Anna</c> and <c>Ana Schmidt</c> meet on <c>n:schmidt|a</c> (one token may be misspelt);</item>
/// <item><c>e:&lt;local part&gt;</c> per e-mail (before <c>@</c>, <c>+tag</c> and dots removed; generic or short local parts
/// such as <c>info</c> have none): the same mailbox name at another provider;</item>
/// <item><c>p:&lt;last 8 digits&gt;</c> per phone: the same number with another country code;</item>
/// <item><c>a:&lt;postal code&gt;|&lt;street&gt;</c> when the address has both (street folded, <c>straße</c> = <c>str</c>).</item>
/// </list>
/// </summary>
public static class MatchKeys
{
    public const int PhoneDigits = 8;
    public const int MinLocalPart = 4;
    public const int MaxNameTokens = 4;

    /// <summary>Mailbox names shared by many unrelated people (role accounts): never a sign of the same person.</summary>
    public static readonly IReadOnlySet<string> GenericLocalParts = new HashSet<string>(StringComparer.Ordinal)
    {
        "info", "contact", "kontakt", "admin", "office", "mail", "email", "hello", "hallo", "sales", "support", "service",
        "noreply", "test", "team", "post", "webmaster", "billing", "orders", "shop",
    };

    public static IReadOnlyList<string> For(Contact contact)
    {
        var keys = new List<string>();
        var tokens = NameTokens(contact.Name);
        foreach (var token in tokens.Where(t => t.Length >= 3))
        {
            foreach (var other in tokens.Where(o => o != token))
            {
                keys.Add($"n:{token}|{other[0]}");
            }
        }

        keys.AddRange(contact.Emails.Select(LocalPart).OfType<string>().Select(l => $"e:{l}"));
        keys.AddRange(contact.Phones.Select(PhoneEnding).OfType<string>().Select(p => $"p:{p}"));
        if (AddressKey(contact.Address) is { } address)
        {
            keys.Add($"a:{address}");
        }

        return [.. keys.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The name's words, folded (<see cref="Fold"/>), distinct, sorted, at most <see cref="MaxNameTokens"/>.</summary>
    public static IReadOnlyList<string> NameTokens(string? name) =>
        name is null
            ? []
            : [.. Fold(name).Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t.Length >= 2).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(MaxNameTokens)];

    /// <summary>The name folded and its words sorted: <c>Schmidt, Anna</c> → <c>anna schmidt</c>.</summary>
    public static string SortedName(string? name) => string.Join(' ', NameTokens(name));

    /// <summary>The e-mail's mailbox name without <c>+tag</c> and dots; null when generic or shorter than <see cref="MinLocalPart"/>.</summary>
    public static string? LocalPart(string email)
    {
        var at = email.LastIndexOf('@');
        var local = at < 0 ? email : email[..at];
        var plus = local.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            local = local[..plus];
        }

        local = local.Replace(".", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        return local.Length < MinLocalPart || GenericLocalParts.Contains(local) ? null : local;
    }

    /// <summary>The last <see cref="PhoneDigits"/> digits of an E.164 phone (null when shorter).</summary>
    public static string? PhoneEnding(string phone)
    {
        var digits = new string([.. phone.Where(char.IsAsciiDigit)]);
        return digits.Length < PhoneDigits ? null : digits[^PhoneDigits..];
    }

    /// <summary><c>10115|hauptstr5</c>, or null without both a postal code and a street.</summary>
    public static string? AddressKey(PostalAddress? address)
    {
        if (address?.PostalCode is not { } postal || address.Street is not { } street)
        {
            return null;
        }

        var folded = Fold(street).Replace("strasse", "str", StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        var code = new string([.. postal.Where(char.IsLetterOrDigit)]).ToLowerInvariant();
        return folded.Length == 0 || code.Length == 0 ? null : $"{code}|{folded}";
    }

    /// <summary>
    /// Lower-case, accents of Latin letters removed (<c>é</c> → <c>e</c>, <c>ł</c> → <c>l</c>, <c>ß</c> → <c>ss</c>; a table, since
    /// the services run with invariant globalization, where Unicode decomposition is not available), every run of other
    /// than letters and digits one space.
    /// </summary>
    public static string Fold(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                var plain = Plain.GetValueOrDefault(c);
                if (plain is null)
                {
                    builder.Append(c);
                }
                else
                {
                    builder.Append(plain);
                }

                space = false;
            }
            else if (!space && builder.Length > 0)
            {
                builder.Append(' ');
                space = true;
            }
        }

        return builder.ToString().TrimEnd();
    }

    private static readonly Dictionary<char, string> Plain = BuildPlain();

    private static Dictionary<char, string> BuildPlain()
    {
        (string Letters, string Plain)[] groups =
        [
            ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
            ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉ", "n"), ("òóôõöøōŏő", "o"),
            ("ŕŗř", "r"), ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"), ("źżž", "z"),
            ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"), ("ð", "d"),
        ];
        var map = new Dictionary<char, string>();
        foreach (var (letters, plain) in groups)
        {
            foreach (var letter in letters)
            {
                map[letter] = plain;
            }
        }

        return map;
    }
}
