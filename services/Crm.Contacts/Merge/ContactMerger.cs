using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Erasure;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Profile;
using Crm.Contacts.Timeline;
using Crm.Contracts.Audit;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Merge;

/// <summary>A merge as asked for, checked (<see cref="MergeInput.Parse"/>).</summary>
public sealed record MergeCommand(string SurvivorId, IReadOnlyList<string> MergedIds, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// Merges and un-merges in one unit of work each (run again on fresh data when a concurrent write wins, like every
/// request): the contacts, their identities, consent (state combined, ledger entries moved and kept, an entry recording
/// the change), orders and the summary (scored again through <see cref="Loyalty.Save"/>), timeline entries and owners,
/// the merge document with the snapshots an un-merge restores, a timeline entry, and the events. Re-keying is set-based
/// (one conditional update per merged contact and collection, however many records it moves), so the unit's size does
/// not grow with the contact's history.
/// </summary>
public sealed class ContactMerger(UnitOfWork unit)
{
    public const string MergedType = "contacts-merged";
    public const string UnmergedType = "contacts-unmerged";

    public Task<ContactMerge> MergeAsync(MergeCommand command, Actor by, CancellationToken cancellationToken) =>
        unit.RunAsync(() => CollectMergeAsync(command, by, cancellationToken), UnitOfWorkEndpointFilter.MaxAttempts, MergeCollections.MergedContacts, cancellationToken);

    public Task<ContactMerge> UndoAsync(string mergeId, Actor by, CancellationToken cancellationToken) =>
        unit.RunAsync(() => CollectUndoAsync(mergeId, by, cancellationToken), UnitOfWorkEndpointFilter.MaxAttempts, ContactCollections.Identities, cancellationToken);

    private async Task<ContactMerge> CollectMergeAsync(MergeCommand command, Actor by, CancellationToken cancellationToken)
    {
        var ids = new[] { command.SurvivorId }.Concat(command.MergedIds).ToList();
        var contacts = (await unit.GetManyAsync(ContactCollections.Contacts, ids, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        await CheckMergeableAsync(ids, contacts, command.SurvivorId, cancellationToken);

        var survivor = contacts[command.SurvivorId];
        var merged = command.MergedIds.Select(id => contacts[id]).ToList();
        var rules = await unit.GetAsync(MergeCollections.Rules, MergeRules.DocumentId, cancellationToken) ?? MergeRules.Default;
        var plan = MergePlanning.Plan(survivor, merged, rules, command.Fields, unit.Now);
        var mergeId = Ids.New();
        var eventId = Ids.NewGuid();

        unit.Replace(ContactCollections.Contacts, plan.Survivor, survivor.Version);
        foreach (var contact in merged)
        {
            unit.Delete(ContactCollections.Contacts, Filter<Contact>.Eq(x => x.Id, contact.Id) & Filter<Contact>.Eq(x => x.Version, contact.Version), expectOne: true);
            unit.Insert(MergeCollections.MergedContacts, new MergedContact { Id = contact.Id, MergeId = mergeId, SurvivorId = survivor.Id, MergedAt = unit.Now });
            foreach (var (identity, _) in ContactProfileEditor.IdentitiesOf(contact))
            {
                unit.Add(MergeQueries.RepointIdentity(identity.Key, contact.Id, survivor.Id));
            }

            unit.Add(MergeQueries.MoveTimeline(mergeId, contact.Id, survivor.Id));
            unit.Add(MergeQueries.MoveOrders(mergeId, contact.Id, survivor.Id));
            unit.Add(MergeQueries.MoveLedger(mergeId, contact.Id, survivor.Id));
        }

        var consents = await unit.GetManyAsync(ConsentCollections.Consents, ids, cancellationToken);
        var summaries = await unit.GetManyAsync(OrderCollections.Summaries, ids, cancellationToken);
        var owners = await unit.GetManyAsync(OwnershipCollections.Owners, ids, cancellationToken);
        CombineConsent(survivor.Id, consents, $"merge {mergeId}: {string.Join(", ", command.MergedIds)} merged into {survivor.Id}", by);
        await CombineSummariesAsync(survivor.Id, summaries, cancellationToken);
        CombineOwners(survivor.Id, owners);

        unit.InsertIfAbsent(TimelineCollections.Timeline, new TimelineEntry
        {
            Id = eventId.ToString("D"),
            ContactId = survivor.Id,
            Type = MergedType,
            OccurredAt = unit.Now,
            Summary = $"{Count(merged.Count)} merged into this one by {by.Name}",
            RecordedAt = unit.Now,
        });
        var merge = new ContactMerge
        {
            Id = mergeId,
            SurvivorId = survivor.Id,
            MergedIds = command.MergedIds,
            At = unit.Now,
            By = by,
            Fields = plan.Chosen,
            SurvivorBefore = survivor,
            SurvivorAfter = plan.Survivor,
            Merged = merged,
            ConsentsBefore = consents,
            SummariesBefore = summaries,
            OwnersBefore = [.. owners.Where(o => o.Id != survivor.Id)],
        };
        unit.Insert(MergeCollections.Merges, merge);
        unit.Publish(new ContactsMerged { EventId = eventId, OccurredAt = unit.Now, MergeId = mergeId, SurvivorId = survivor.Id, MergedIds = command.MergedIds });
        if (plan.ChangedFields.Count > 0)
        {
            unit.Publish(ContactEvents.Updated(plan.Survivor, plan.ChangedFields, unit.Now));
        }

        return merge;
    }

    /// <summary>404 for an unknown contact; 409 for one erased, already merged, or (as a merged one) a survivor of a merge that stands.</summary>
    private async Task CheckMergeableAsync(List<string> ids, Dictionary<string, Contact> contacts, string survivorId, CancellationToken cancellationToken)
    {
        var missing = ids.Where(id => !contacts.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var erased = await ErasureCollections.ErasedAmongAsync(unit, missing, cancellationToken);
            if (erased.Count > 0)
            {
                throw Conflict("Contact erased.", $"Contact '{erased.First()}' was erased: it cannot be merged.", erased.First());
            }

            var markers = await unit.GetManyAsync(MergeCollections.MergedContacts, missing, cancellationToken);
            if (markers.Count > 0)
            {
                var marker = markers[0];
                throw Conflict("Contact already merged.", $"Contact '{marker.Id}' was merged into '{marker.SurvivorId}' (merge {marker.MergeId}): merge the survivor instead, or undo that merge first.", marker.Id, marker.SurvivorId);
            }

            throw ContactEndpoints.NotFound(missing[0]);
        }

        foreach (var id in ids.Where(id => id != survivorId))
        {
            if ((await unit.FindAsync(MergeQueries.OfSurvivor(id), cancellationToken)).FirstOrDefault(m => m.UndoneAt is null) is { } standing)
            {
                throw Conflict(
                    "Contact has absorbed others.",
                    $"Contact '{id}' is the survivor of merge {standing.Id}: make it the survivor of this merge too, or undo that merge first.",
                    id);
            }
        }
    }

    private static ProblemException Conflict(string title, string detail, string contactId, string? mergedInto = null) =>
        ProblemException.Conflict(title, detail, new Dictionary<string, object?> { ["contactId"] = contactId, ["mergedInto"] = mergedInto });

    private void CombineConsent(string survivorId, IReadOnlyList<ContactConsent> consents, string reason, Actor by)
    {
        if (!consents.Any(c => c.Id != survivorId))
        {
            return;
        }

        var stored = consents.FirstOrDefault(c => c.Id == survivorId);
        var before = stored ?? ContactConsent.Empty(survivorId);
        var combined = consents.Where(c => c.Id != survivorId).Aggregate(before, ConsentRules.Combine) with { Version = before.Version + 1 };
        unit.Save(ConsentCollections.Consents, combined, stored);
        foreach (var other in consents.Where(c => c.Id != survivorId))
        {
            unit.Delete(ConsentCollections.Consents, Filter<ContactConsent>.Eq(x => x.Id, other.Id));
        }

        RecordConsentChanges(before, combined, "merge", reason, by);
    }

    private void RecordConsentChanges(ContactConsent before, ContactConsent after, string source, string reason, Actor by)
    {
        foreach (var entry in MergeState.Entries(before, after, source, reason, unit.Now, by))
        {
            unit.Insert(ConsentCollections.Ledger, entry);
            unit.Publish(new ConsentChanged
            {
                EventId = entry.EventId,
                OccurredAt = entry.At,
                ContactId = entry.ContactId,
                Channel = entry.Channel,
                Status = entry.Status,
                LegalBasis = entry.LegalBasis,
                Source = entry.Source,
                WordingVersion = entry.WordingVersion,
                DoNotContact = after.IsDoNotContact,
                Version = after.Version,
                By = by,
            });
        }
    }

    private async Task CombineSummariesAsync(string survivorId, IReadOnlyList<CustomerSummary> summaries, CancellationToken cancellationToken)
    {
        if (!summaries.Any(s => s.Id != survivorId))
        {
            return;
        }

        var current = summaries.FirstOrDefault(s => s.Id == survivorId);
        var combined = summaries.Where(s => s.Id != survivorId).Aggregate(current ?? CustomerSummary.Empty(survivorId), MergeState.Combine);
        Loyalty.Save(unit, current, combined, await Loyalty.RulesAsync(unit, cancellationToken));
        foreach (var other in summaries.Where(s => s.Id != survivorId))
        {
            unit.Delete(OrderCollections.Summaries, Filter<CustomerSummary>.Eq(x => x.Id, other.Id));
            unit.CancelTimer(Loyalty.TimerKind, other.Id);
        }
    }

    private void CombineOwners(string survivorId, IReadOnlyList<ContactOwners> owners)
    {
        if (!owners.Any(o => o.Id != survivorId))
        {
            return;
        }

        var current = owners.FirstOrDefault(o => o.Id == survivorId);
        var combined = owners.Where(o => o.Id != survivorId).Aggregate(current ?? new ContactOwners { Id = survivorId, Version = 0 }, MergeState.Combine);
        unit.Save(OwnershipCollections.Owners, combined with { Version = (current?.Version ?? 0) + 1 }, current);
        foreach (var other in owners.Where(o => o.Id != survivorId))
        {
            unit.Delete(OwnershipCollections.Owners, Filter<ContactOwners>.Eq(x => x.Id, other.Id));
        }
    }

    private async Task<ContactMerge> CollectUndoAsync(string mergeId, Actor by, CancellationToken cancellationToken)
    {
        var merge = await unit.GetAsync(MergeCollections.Merges, mergeId, cancellationToken) ?? throw ProblemException.NotFound("Merge", mergeId);
        if (merge.UndoneAt is { } undoneAt)
        {
            throw ProblemException.Conflict("Merge already undone.", $"Merge {mergeId} was undone at {undoneAt:O}.", new Dictionary<string, object?> { ["undoneAt"] = undoneAt });
        }

        var survivor = await unit.GetAsync(ContactCollections.Contacts, merge.SurvivorId, cancellationToken)
            ?? throw ProblemException.Conflict("Survivor gone.", $"The merge's survivor '{merge.SurvivorId}' no longer exists: the merge cannot be undone.");
        var eventId = Ids.NewGuid();
        var restoredContacts = new List<Contact>();
        foreach (var before in merge.Merged)
        {
            restoredContacts.Add(await RestoreContactAsync(merge, before, cancellationToken));
            unit.Delete(MergeCollections.MergedContacts, Filter<MergedContact>.Eq(x => x.Id, before.Id) & Filter<MergedContact>.Eq(x => x.MergeId, merge.Id));
            unit.Add(MergeQueries.MoveTimelineBack(merge.Id, merge.SurvivorId, before.Id));
            unit.Add(MergeQueries.MoveOrdersBack(merge.Id, merge.SurvivorId, before.Id));
            unit.Add(MergeQueries.MoveLedgerBack(merge.Id, merge.SurvivorId, before.Id));
        }

        var plan = MergePlanning.Unmerge(survivor, merge.SurvivorBefore, merge.SurvivorAfter, unit.Now);
        unit.Replace(ContactCollections.Contacts, plan.Survivor, survivor.Version);
        await RestoreConsentAsync(merge, by, cancellationToken);
        await RestoreSummariesAsync(merge, cancellationToken);
        await RestoreOwnersAsync(merge, cancellationToken);

        foreach (var contactId in merge.MergedIds.Prepend(merge.SurvivorId))
        {
            unit.InsertIfAbsent(TimelineCollections.Timeline, new TimelineEntry
            {
                Id = contactId == merge.SurvivorId ? eventId.ToString("D") : Ids.NewGuid().ToString("D"),
                ContactId = contactId,
                Type = UnmergedType,
                OccurredAt = unit.Now,
                Summary = contactId == merge.SurvivorId
                    ? $"Merge of {Count(merge.MergedIds.Count)} undone by {by.Name}"
                    : $"Restored from {merge.SurvivorId} (merge undone) by {by.Name}",
                RecordedAt = unit.Now,
            });
        }

        var undone = merge with { UndoneAt = unit.Now, UndoneBy = by, Version = merge.Version + 1 };
        unit.Replace(MergeCollections.Merges, undone, merge.Version);
        unit.Publish(new ContactsUnmerged { EventId = eventId, OccurredAt = unit.Now, MergeId = merge.Id, SurvivorId = merge.SurvivorId, RestoredIds = merge.MergedIds });
        if (plan.ChangedFields.Count > 0)
        {
            unit.Publish(ContactEvents.Updated(plan.Survivor, plan.ChangedFields, unit.Now));
        }

        foreach (var restored in restoredContacts)
        {
            unit.Publish(ContactEvents.Updated(restored, [], unit.Now));
        }

        return undone;
    }

    /// <summary>
    /// The merged contact as it was, with the identities that went to the survivor given back (one the survivor released
    /// since is taken again; one another contact took since stays there and leaves the restored contact).
    /// </summary>
    private async Task<Contact> RestoreContactAsync(ContactMerge merge, Contact before, CancellationToken cancellationToken)
    {
        var identities = ContactProfileEditor.IdentitiesOf(before);
        var owners = (await unit.GetManyAsync(ContactCollections.Identities, identities.Select(i => i.Identity.Key), cancellationToken)).ToDictionary(o => o.Id, StringComparer.Ordinal);
        var lost = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (identity, _) in identities)
        {
            if (!owners.TryGetValue(identity.Key, out var owner))
            {
                unit.Insert(ContactCollections.Identities, IdentityOwner.For(identity, before.Id, unit.Now));
            }
            else if (owner.ContactId == merge.SurvivorId)
            {
                unit.Add(MergeQueries.RepointIdentity(identity.Key, merge.SurvivorId, before.Id));
            }
            else if (owner.ContactId != before.Id)
            {
                lost.Add(identity.Value);
            }
        }

        var restored = before with
        {
            Emails = [.. before.Emails.Where(e => !lost.Contains(e))],
            Phones = [.. before.Phones.Where(p => !lost.Contains(p))],
            ExternalIds = [.. before.ExternalIds.Where(x => !lost.Contains(x.Value))],
            UpdatedAt = unit.Now,
            Version = before.Version + 1,
        };
        unit.Insert(ContactCollections.Contacts, restored);
        return restored;
    }

    /// <summary>
    /// The restored contacts get their consent as it was; the survivor gets its consent from before the merge with every
    /// change recorded for it since replayed on it (a withdrawal after the merge stands), and a ledger entry for what that changes.
    /// </summary>
    private async Task RestoreConsentAsync(ContactMerge merge, Actor by, CancellationToken cancellationToken)
    {
        foreach (var before in merge.ConsentsBefore.Where(c => c.Id != merge.SurvivorId))
        {
            unit.Put(ConsentCollections.Consents, before with { Version = before.Version + 1 });
        }

        var current = await unit.GetAsync(ConsentCollections.Consents, merge.SurvivorId, cancellationToken);
        if (current is null)
        {
            return;
        }

        var since = await unit.FindAsync(MergeQueries.LedgerSince(merge.SurvivorId, merge.At), cancellationToken);
        var restored = since
            .Where(e => e.MergeId is null && e.Source != "merge")
            .Aggregate(merge.ConsentsBefore.FirstOrDefault(c => c.Id == merge.SurvivorId) ?? ContactConsent.Empty(merge.SurvivorId), ConsentRules.Apply)
            with { Version = current.Version + 1, UpdatedAt = unit.Now };
        unit.Replace(ConsentCollections.Consents, restored, current.Version);
        RecordConsentChanges(current, restored, "unmerge", $"merge {merge.Id} undone", by);
    }

    private async Task RestoreSummariesAsync(ContactMerge merge, CancellationToken cancellationToken)
    {
        var rules = await Loyalty.RulesAsync(unit, cancellationToken);
        var restoredIds = merge.SummariesBefore.Where(s => s.Id != merge.SurvivorId).Select(s => s.Id).ToList();
        var written = (await unit.GetManyAsync(OrderCollections.Summaries, restoredIds, cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var old in merge.SummariesBefore.Where(s => s.Id != merge.SurvivorId))
        {
            // A message that was on its way when the merge happened may have written a summary under the old id since.
            var since = written.GetValueOrDefault(old.Id);
            Loyalty.Save(unit, since, since?.LastMessageAt is { } at ? old.WithMessage(at) : old, rules);
        }

        var current = await unit.GetAsync(OrderCollections.Summaries, merge.SurvivorId, cancellationToken);
        if (current is null || !merge.SummariesBefore.Any(s => s.Id != merge.SurvivorId))
        {
            return;
        }

        var ordersSince = (await unit.FindAsync(MergeQueries.OrdersRecordedSince(merge.SurvivorId, merge.At), cancellationToken)).Where(o => o.MergeId != merge.Id);
        var before = merge.SummariesBefore.FirstOrDefault(s => s.Id == merge.SurvivorId) ?? CustomerSummary.Empty(merge.SurvivorId);
        Loyalty.Save(unit, current, MergeState.Restore(before, current, ordersSince, merge.At), rules);
    }

    private async Task RestoreOwnersAsync(ContactMerge merge, CancellationToken cancellationToken)
    {
        if (merge.OwnersBefore.Count == 0)
        {
            return;
        }

        var current = await unit.GetAsync(OwnershipCollections.Owners, merge.SurvivorId, cancellationToken);
        var survivor = current ?? new ContactOwners { Id = merge.SurvivorId, Version = 0 };
        foreach (var before in merge.OwnersBefore)
        {
            var (rest, restored) = MergeState.Split(survivor, before);
            survivor = rest;
            unit.Put(OwnershipCollections.Owners, restored);
        }

        if (current is not null)
        {
            unit.Replace(OwnershipCollections.Owners, survivor with { Version = current.Version + 1 }, current.Version);
        }
    }

    private static string Count(int contacts) => contacts == 1 ? "1 contact" : $"{contacts} contacts";
}
