using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// A pair of contacts that may be one person (a document of <c>duplicate_candidates</c>, id <see cref="PairId"/>): never
/// merged automatically, listed for review. <see cref="Score"/> and <see cref="Reasons"/> come from the fuzzy comparison
/// (<see cref="DuplicateScoring"/>); <see cref="Conflict"/> from resolves that named both contacts' identities at once.
/// Two writers move different fields (the detector: score and reasons; the resolve: the conflict), each with field
/// updates, so neither loses the other's. <see cref="Rank"/> orders the review list: a conflict (1) first, then by score.
/// Only ids are stored, never the identities' values (the reviewer opens both contacts).
/// </summary>
public sealed record DuplicateCandidate : IDocument
{
    public const string Open = "open";
    /// <summary>Reviewed and found to be two people: not proposed again (a later conflict is still counted).</summary>
    public const string Dismissed = "dismissed";

    public required string Id { get; init; }
    /// <summary>The smaller id of the two (ordinal).</summary>
    public required string ContactA { get; init; }
    public required string ContactB { get; init; }
    public double Score { get; init; }
    public IReadOnlyList<DuplicateReason> Reasons { get; init; } = [];
    /// <summary>Which contact each identity kind of a conflicting resolve matched; empty: no conflict seen.</summary>
    public IReadOnlyList<ConflictMatch> ConflictMatches { get; init; } = [];
    /// <summary>How many resolves named identities of both contacts.</summary>
    public int ConflictCount { get; init; }
    public DateTimeOffset? LastConflictAt { get; init; }
    public double Rank { get; init; }
    public string Status { get; init; } = Open;
    public required DateTimeOffset DetectedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public Crm.Contracts.Audit.Actor? DismissedBy { get; init; }
    public DateTimeOffset? DismissedAt { get; init; }
    public long Version { get; init; }

    /// <summary><c>a~b</c> with the two ids in ordinal order: one document per pair, whoever found it (URL-safe).</summary>
    public static string PairId(string one, string other)
    {
        var (a, b) = Ordered(one, other);
        return $"{a}~{b}";
    }

    public static (string A, string B) Ordered(string one, string other) =>
        string.CompareOrdinal(one, other) <= 0 ? (one, other) : (other, one);
}

/// <summary>
/// Part of a conflict: a resolve named an identity of each contact (the e-mail belongs to one, the phone to the other).
/// The resolve does not guess: the capture goes to the older contact as before, nothing moves, and the pair waits for a
/// person. This names an identity kind of the request (<c>email</c>, <c>phone</c>, <c>external</c>) and the contact owning it.
/// </summary>
public sealed record ConflictMatch(string Kind, string ContactId);

/// <summary>
/// One blocking key of one contact (a document of <c>contact_match_keys</c>, id <c>key#contactId</c>): the contacts that
/// share a key are the ones compared (<see cref="MatchKeys"/>).
/// </summary>
public sealed record MatchKey : IDocument
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public required string ContactId { get; init; }
    public long Version { get; init; }

    public static MatchKey For(string key, string contactId) => new() { Id = $"{key}#{contactId}", Key = key, ContactId = contactId, Version = 1 };
}
