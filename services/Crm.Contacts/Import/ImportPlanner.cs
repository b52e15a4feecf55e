using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Import;

public enum ImportOutcome
{
    /// <summary>The row created a new contact.</summary>
    Created,
    /// <summary>The row taught a known contact (stored, or created by an earlier row) an identity, its name or a profile value.</summary>
    Updated,
    /// <summary>The row was recognised as a known contact and added nothing new.</summary>
    Merged,
    /// <summary>An identity of the row belongs to a contact that no longer exists: the row is rejected.</summary>
    Orphaned,
}

/// <summary>What one batch writes: the new and changed contacts, the new identities, one event per contact, and each row's outcome.</summary>
public sealed record ImportBatchPlan
{
    public required IReadOnlyList<Contact> Inserts { get; init; }
    /// <summary>Stored contacts that changed, each to be replaced at the version read (<c>Version - 1</c>).</summary>
    public required IReadOnlyList<Contact> Replaces { get; init; }
    public required IReadOnlyList<IdentityOwner> Identities { get; init; }
    public required IReadOnlyList<object> Events { get; init; }
    public required IReadOnlyList<(ImportRow Row, ImportOutcome Outcome)> Outcomes { get; init; }
    /// <summary>Rows whose identities belonged to several contacts (the e-mail to one, the phone to another): the contact the row went to and what matched, recorded for review.</summary>
    public IReadOnlyList<(string ContactId, IReadOnlyList<Duplicates.ConflictMatch> Matches)> Conflicts { get; init; } = [];
}

/// <summary>
/// Plans a batch of rows in memory, pure: each row goes through the find-or-create rule of a resolve
/// (<see cref="ContactResolution.Plan"/>, written once) against what is stored plus what the earlier rows of the batch
/// planned, so a person written twice in a batch (or in an earlier, committed batch) becomes one contact; then the
/// contact learns the row's profile values (<see cref="ImportProfile.ApplyTo"/>). A contact touched by several rows is
/// written once and announced once: <c>ContactCreated</c> (plus <c>ContactUpdated</c> when it also got profile values
/// or external ids) or <c>ContactUpdated</c> with every field the batch changed.
/// </summary>
public static class ImportPlanner
{
    /// <param name="owners">The stored owner (contact id) of each identity key the rows name that is stored.</param>
    /// <param name="stored">The stored contacts <paramref name="owners"/> name.</param>
    public static ImportBatchPlan Plan(
        IReadOnlyList<ImportRow> rows,
        IReadOnlyDictionary<string, string> owners,
        IReadOnlyList<Contact> stored,
        Func<string> newId,
        DateTimeOffset now)
    {
        var ownerOf = new Dictionary<string, string>(owners, StringComparer.Ordinal);
        var state = stored.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var readVersion = stored.ToDictionary(c => c.Id, c => c.Version, StringComparer.Ordinal);
        var created = new List<string>();
        var changed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var identities = new List<IdentityOwner>();
        var outcomes = new List<(ImportRow, ImportOutcome)>(rows.Count);

        var conflicts = new List<(string ContactId, IReadOnlyList<Duplicates.ConflictMatch> Matches)>();
        foreach (var row in rows)
        {
            var requested = row.Command.Identities;
            var rowOwners = new Dictionary<ContactIdentity, string>();
            var orphaned = false;
            foreach (var identity in requested)
            {
                if (ownerOf.TryGetValue(identity.Key, out var owner))
                {
                    orphaned |= !state.ContainsKey(owner);
                    rowOwners[identity] = owner;
                }
            }

            if (orphaned)
            {
                outcomes.Add((row, ImportOutcome.Orphaned));
                continue;
            }

            var matched = rowOwners.Values.Distinct(StringComparer.Ordinal).Select(id => state[id]).ToList();
            var plan = ContactResolution.Plan(row.Command, rowOwners, matched, newId(), now);
            if (plan.Conflicts.Count > 0)
            {
                conflicts.Add((plan.Contact.Id, plan.Conflicts));
            }

            var (contact, profileChanges) = row.Profile.ApplyTo(plan.Contact, plan.Created);
            state[contact.Id] = contact;
            foreach (var identity in plan.NewIdentities)
            {
                ownerOf[identity.Key] = contact.Id;
                identities.Add(IdentityOwner.For(identity, contact.Id, now));
            }

            if (plan.Created)
            {
                created.Add(contact.Id);
                changed[contact.Id] = [.. profileChanges, .. row.Command.ExternalIds.Count > 0 ? new[] { "externalIds" } : []];
                outcomes.Add((row, ImportOutcome.Created));
                continue;
            }

            var fields = (plan.Event as ContactUpdated)?.ChangedFields ?? [];
            if (fields.Count == 0 && profileChanges.Count == 0)
            {
                outcomes.Add((row, ImportOutcome.Merged));
                continue;
            }

            if (!changed.TryGetValue(contact.Id, out var list))
            {
                changed[contact.Id] = list = [];
            }

            list.AddRange(fields);
            list.AddRange(profileChanges);
            outcomes.Add((row, ImportOutcome.Updated));
        }

        var events = new List<object>(created.Count + changed.Count);
        var inserts = new List<Contact>(created.Count);
        foreach (var id in created)
        {
            var contact = state[id] with { Version = 1, CreatedAt = now, UpdatedAt = now };
            inserts.Add(contact);
            events.Add(new ContactCreated { EventId = Ids.NewGuid(), OccurredAt = now, ContactId = id, Name = contact.Name, Emails = contact.Emails, Phones = contact.Phones });
            // ContactCreated carries the name, e-mails and phones; what else the contact got is announced beside it.
            var more = changed[id].Where(f => f is not ("name" or "emails" or "phones")).Distinct().ToList();
            if (more.Count > 0)
            {
                events.Add(ContactEvents.Updated(contact, more, now));
            }
        }

        var replaces = new List<Contact>();
        foreach (var (id, fields) in changed)
        {
            if (readVersion.TryGetValue(id, out var version))
            {
                var contact = state[id] with { Version = version + 1, UpdatedAt = now };
                replaces.Add(contact);
                events.Add(ContactEvents.Updated(contact, [.. fields.Distinct()], now));
            }
        }

        return new ImportBatchPlan { Inserts = inserts, Replaces = replaces, Identities = identities, Events = events, Outcomes = outcomes, Conflicts = conflicts };
    }
}
