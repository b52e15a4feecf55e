using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Duplicates;

/// <summary>Every query on the possible duplicates, in one place (rendered in <c>queries.approved.md</c>).</summary>
public static class DuplicateQueries
{
    /// <summary>
    /// How many contacts one key brings at most. A key shared by more (a very common name) is still compared with the
    /// first ones only: the pair is then found through another key or not at all (documented in the README).
    /// </summary>
    public const int MaxPerKey = 50;

    /// <summary>The contacts that have <paramref name="key"/>; index <c>key</c>.</summary>
    public static Query<MatchKey> WithKey(string key) =>
        DuplicateCollections.Keys.Find(Filter<MatchKey>.Eq(x => x.Key, key)).OrderBy(x => x.Id).Take(MaxPerKey);

    /// <summary>A contact's keys; index <c>contact</c>.</summary>
    public static Query<MatchKey> KeysOf(string contactId) =>
        DuplicateCollections.Keys.Find(Filter<MatchKey>.Eq(x => x.ContactId, contactId));

    /// <summary>The review list with <paramref name="status"/>, highest rank first (then id); index <c>status_rank</c>.</summary>
    public static Query<DuplicateCandidate> Review(string status, double minRank) =>
        DuplicateCollections.Candidates.Find(Filter<DuplicateCandidate>.Eq(x => x.Status, status) & Filter<DuplicateCandidate>.Gte(x => x.Rank, minRank))
            .OrderByDescending(x => x.Rank)
            .ThenBy(x => x.Id);

    /// <summary>Every pair <paramref name="contactId"/> is in; indexes <c>contact_a</c> and <c>contact_b</c>.</summary>
    public static Query<DuplicateCandidate> OfContact(string contactId) =>
        DuplicateCollections.Candidates.Find(Filter<DuplicateCandidate>.Eq(x => x.ContactA, contactId) | Filter<DuplicateCandidate>.Eq(x => x.ContactB, contactId))
            .OrderBy(x => x.Id)
            .Take(MaxPerContact);

    /// <summary>How many pairs of one contact are read at most.</summary>
    public const int MaxPerContact = 200;
}
