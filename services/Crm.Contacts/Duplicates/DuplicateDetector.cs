using Crm.Contacts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Duplicates;

/// <summary>
/// Finds a contact's possible duplicates after it changed, in the caller's unit of work: moves its blocking keys
/// (<see cref="MatchKeys"/>), compares it with the contacts sharing a key (at most <see cref="DuplicateQueries.MaxPerKey"/>
/// per key), and writes each pair from <see cref="DuplicateScoring.CandidateThreshold"/> up; a pair that no longer
/// scores loses its score (and goes when no conflict keeps it). A dismissed pair stays dismissed. Never merges.
/// </summary>
public static class DuplicateDetector
{
    public static async Task RefreshAsync(UnitOfWork unit, string contactId, CancellationToken cancellationToken)
    {
        var contact = await unit.GetAsync(ContactCollections.Contacts, contactId, cancellationToken);
        if (contact is null)
        {
            // Erased or gone: nothing of it stays here.
            Forget(unit, contactId);
            return;
        }

        var keys = MatchKeys.For(contact);
        var stored = await unit.FindAsync(DuplicateQueries.KeysOf(contactId), cancellationToken);
        foreach (var gone in stored.Where(k => !keys.Contains(k.Key, StringComparer.Ordinal)))
        {
            unit.Delete(DuplicateCollections.Keys, Filter<MatchKey>.Eq(x => x.Id, gone.Id));
        }

        foreach (var key in keys.Where(k => stored.All(s => s.Key != k)))
        {
            unit.InsertIfAbsent(DuplicateCollections.Keys, MatchKey.For(key, contactId));
        }

        var sharing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            foreach (var match in await unit.FindAsync(DuplicateQueries.WithKey(key), cancellationToken))
            {
                if (match.ContactId != contactId)
                {
                    sharing.Add(match.ContactId);
                }
            }
        }

        var pairs = (await unit.FindAsync(DuplicateQueries.OfContact(contactId), cancellationToken)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var others = await unit.GetManyAsync(ContactCollections.Contacts, sharing, cancellationToken);
        var scored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var other in others)
        {
            var (score, reasons) = DuplicateScoring.Score(contact, other);
            if (score < DuplicateScoring.CandidateThreshold)
            {
                continue;
            }

            var id = DuplicateCandidate.PairId(contactId, other.Id);
            scored.Add(id);
            var (a, b) = DuplicateCandidate.Ordered(contactId, other.Id);
            var conflict = pairs.TryGetValue(id, out var known) && known.ConflictCount > 0;
            var rank = conflict ? 1 : score;
            unit.Upsert(
                DuplicateCollections.Candidates,
                new DuplicateCandidate { Id = id, ContactA = a, ContactB = b, Score = score, Reasons = reasons, Rank = rank, DetectedAt = unit.Now, UpdatedAt = unit.Now, Version = 1 },
                new Update<DuplicateCandidate>().Set(x => x.Score, score).Set(x => x.Reasons, reasons).Set(x => x.Rank, rank).Set(x => x.UpdatedAt, unit.Now));
        }

        foreach (var stale in pairs.Values.Where(p => !scored.Contains(p.Id) && p.Score > 0))
        {
            if (stale.ConflictCount > 0)
            {
                unit.Update(DuplicateCollections.Candidates, Filter<DuplicateCandidate>.Eq(x => x.Id, stale.Id),
                    new Update<DuplicateCandidate>().Set(x => x.Score, 0.0).Set(x => x.Reasons, []).Set(x => x.UpdatedAt, unit.Now), expectOne: false);
            }
            else
            {
                unit.Delete(DuplicateCollections.Candidates, Filter<DuplicateCandidate>.Eq(x => x.Id, stale.Id) & Filter<DuplicateCandidate>.Eq(x => x.ConflictCount, 0));
            }
        }
    }

    /// <summary>
    /// Records a resolve that named identities of <paramref name="survivorId"/> and of other contacts (<see cref="ResolutionPlan.Conflicts"/>):
    /// one pair per other contact, ranked first in the review list; counted again on each such resolve.
    /// </summary>
    public static void RecordConflict(UnitOfWork unit, string survivorId, IReadOnlyList<ConflictMatch> matches)
    {
        foreach (var other in matches.Select(m => m.ContactId).Where(c => c != survivorId).Distinct(StringComparer.Ordinal))
        {
            var (a, b) = DuplicateCandidate.Ordered(survivorId, other);
            var id = DuplicateCandidate.PairId(a, b);
            var mine = matches.Where(m => m.ContactId == a || m.ContactId == b).ToList();
            unit.Upsert(
                DuplicateCollections.Candidates,
                new DuplicateCandidate { Id = id, ContactA = a, ContactB = b, ConflictMatches = mine, Rank = 1, LastConflictAt = unit.Now, DetectedAt = unit.Now, UpdatedAt = unit.Now, Version = 1 },
                new Update<DuplicateCandidate>()
                    .Set(x => x.ConflictMatches, mine)
                    .Inc(x => x.ConflictCount, 1)
                    .Set(x => x.LastConflictAt, unit.Now)
                    .Set(x => x.Rank, 1.0)
                    .Set(x => x.UpdatedAt, unit.Now));
        }
    }

    /// <summary>Every key and pair of the contact (erasure, or a contact that no longer exists).</summary>
    public static void Forget(UnitOfWork unit, string contactId)
    {
        unit.Delete(DuplicateCollections.Keys, Filter<MatchKey>.Eq(x => x.ContactId, contactId));
        unit.Delete(DuplicateCollections.Candidates, Filter<DuplicateCandidate>.Eq(x => x.ContactA, contactId) | Filter<DuplicateCandidate>.Eq(x => x.ContactB, contactId));
    }
}
