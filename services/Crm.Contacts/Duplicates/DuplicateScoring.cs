using Crm.Contacts.Contacts;
using F23.StringSimilarity;

namespace Crm.Contacts.Duplicates;

/// <summary>One sign that two contacts are the same person, with its strength 0..1.</summary>
public sealed record DuplicateReason(string Kind, double Similarity)
{
    /// <summary>The names are alike (Jaro-Winkler of the folded names, words in any order, at least <see cref="DuplicateScoring.NameThreshold"/>).</summary>
    public const string SimilarName = "similar-name";
    /// <summary>An e-mail of each has the same mailbox name at another provider (<c>anna.schmidt@gmail.com</c>, <c>annaschmidt@web.de</c>).</summary>
    public const string SameMailbox = "same-mailbox-name";
    /// <summary>A phone of each ends in the same <see cref="MatchKeys.PhoneDigits"/> digits (another country code).</summary>
    public const string SamePhoneEnding = "same-phone-ending";
    /// <summary>The same street and postal code.</summary>
    public const string SameAddress = "same-address";
}

/// <summary>
/// How alike two contacts are, pure. Each sign has a weight (a similar name 0.6 × similarity, the same mailbox name 0.7,
/// the same phone ending 0.7, the same address 0.5) and they combine as independent evidence:
/// score = 1 − Π(1 − weightᵢ). A pair is a candidate from <see cref="CandidateThreshold"/>: a name alone (at most 0.6) or
/// an address alone (a family) never is; a name with any other sign, or a shared mailbox name or phone ending, is.
/// Identities themselves never match here: they are unique, so two contacts never share one (a request that names
/// two contacts' identities is a conflict, recorded by the resolve).
/// </summary>
public static class DuplicateScoring
{
    public const double NameThreshold = 0.85;
    public const double CandidateThreshold = 0.65;
    public const double NameWeight = 0.6;
    public const double MailboxWeight = 0.7;
    public const double PhoneWeight = 0.7;
    public const double AddressWeight = 0.5;

    private static readonly JaroWinkler Similarity = new();

    public static (double Score, IReadOnlyList<DuplicateReason> Reasons) Score(Contact a, Contact b)
    {
        var reasons = new List<DuplicateReason>();
        if (NameSimilarity(a.Name, b.Name) is var name and >= NameThreshold)
        {
            reasons.Add(new DuplicateReason(DuplicateReason.SimilarName, Math.Round(name, 2)));
        }

        if (Shares(a.Emails, b.Emails, MatchKeys.LocalPart))
        {
            reasons.Add(new DuplicateReason(DuplicateReason.SameMailbox, 1));
        }

        if (Shares(a.Phones, b.Phones, MatchKeys.PhoneEnding))
        {
            reasons.Add(new DuplicateReason(DuplicateReason.SamePhoneEnding, 1));
        }

        if (MatchKeys.AddressKey(a.Address) is { } address && address == MatchKeys.AddressKey(b.Address))
        {
            reasons.Add(new DuplicateReason(DuplicateReason.SameAddress, 1));
        }

        var apart = 1.0;
        foreach (var reason in reasons)
        {
            apart *= 1 - (Weight(reason.Kind) * reason.Similarity);
        }

        return (Math.Round(1 - apart, 2), reasons);
    }

    /// <summary>Jaro-Winkler of the folded names as written and with their words sorted (the better of the two); 0 without both names.</summary>
    public static double NameSimilarity(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return 0;
        }

        var asWritten = Similarity.Similarity(MatchKeys.Fold(a), MatchKeys.Fold(b));
        var sorted = Similarity.Similarity(MatchKeys.SortedName(a), MatchKeys.SortedName(b));
        return Math.Max(asWritten, sorted);
    }

    private static double Weight(string kind) => kind switch
    {
        DuplicateReason.SimilarName => NameWeight,
        DuplicateReason.SameMailbox => MailboxWeight,
        DuplicateReason.SamePhoneEnding => PhoneWeight,
        DuplicateReason.SameAddress => AddressWeight,
        _ => 0,
    };

    private static bool Shares(IReadOnlyList<string> a, IReadOnlyList<string> b, Func<string, string?> key)
    {
        var left = a.Select(key).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return b.Select(key).OfType<string>().Any(left.Contains);
    }
}
