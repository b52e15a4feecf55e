using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Duplicates;

/// <summary>The possible duplicates and the blocking keys they are found through (<see cref="DuplicateQueries"/>).</summary>
public static class DuplicateCollections
{
    /// <summary>
    /// <c>status_rank</c> serves the review list (open pairs, conflicts first then by score); <c>contact_a</c> and
    /// <c>contact_b</c> a contact's pairs (its page, a change that lowers a score, erasure).
    /// </summary>
    public static readonly DocumentCollection<DuplicateCandidate> Candidates = new DocumentCollection<DuplicateCandidate>("duplicate_candidates")
        .Index("status_rank", i => i.Asc(x => x.Status).Desc(x => x.Rank).Asc(x => x.Id))
        .Index("contact_a", i => i.Asc(x => x.ContactA))
        .Index("contact_b", i => i.Asc(x => x.ContactB));

    /// <summary><c>key</c> (key, id) serves the contacts sharing a key, first ones by id; <c>contact</c> a contact's own keys (to move them when it changes).</summary>
    public static readonly DocumentCollection<MatchKey> Keys = new DocumentCollection<MatchKey>("contact_match_keys")
        .Index("key", i => i.Asc(x => x.Key).Asc(x => x.Id))
        .Index("contact", i => i.Asc(x => x.ContactId));

    public static readonly IDocumentCollection[] All = [Candidates, Keys];
}
