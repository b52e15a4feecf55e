using Crm.Contacts.Identity;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>What must be written to resolve a request (computed from what was read; <see cref="ContactResolver"/> commits it, guarded).</summary>
public sealed record ResolutionPlan
{
    /// <summary>The contact as it must be stored afterwards.</summary>
    public required Contact Contact { get; init; }
    public required bool Created { get; init; }
    /// <summary>The existing contact learnt an identity or its name (always false when created).</summary>
    public required bool Changed { get; init; }
    /// <summary>Identities nobody owned yet: insert them for <see cref="Contact"/>. A unique violation means a concurrent writer won.</summary>
    public required IReadOnlyList<ContactIdentity> NewIdentities { get; init; }
    /// <summary>The version the stored contact must still have when it is updated (optimistic concurrency); 0 when created.</summary>
    public required long ExpectedVersion { get; init; }
    /// <summary>ContactCreated, ContactUpdated, or null when nothing changed.</summary>
    public object? Event { get; init; }
    /// <summary>
    /// When the request's identities belong to more than one contact: which contact each owned identity kind matched
    /// (recorded for review, <see cref="Duplicates.DuplicateDetector.RecordConflict"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<Duplicates.ConflictMatch> Conflicts { get; init; } = [];
}

/// <summary>
/// Identity resolution (find-or-create), pure: the request's identities are looked up; when any is known, the
/// oldest of the contacts they belong to is the person, it learns the identities nobody owned yet and its name when it
/// had none. When they belong to several contacts (the e-mail to one, the phone to another) that is a conflict: it is
/// returned in <see cref="ResolutionPlan.Conflicts"/> for review, never settled by moving an identity or merging. Otherwise a new contact is created.
/// An identity owned by another contact stays with that contact: identities are unique.
/// </summary>
public static class ContactResolution
{
    /// <param name="owners">The contact id of each of the request's identities that is already stored.</param>
    /// <param name="matched">The contacts named in <paramref name="owners"/>.</param>
    public static ResolutionPlan Plan(
        ResolveCommand command,
        IReadOnlyDictionary<ContactIdentity, string> owners,
        IReadOnlyList<Contact> matched,
        string newId,
        DateTimeOffset now)
    {
        var requested = command.Identities;
        if (requested.Count == 0)
        {
            throw new ArgumentException("A resolve needs an e-mail, a phone or an external id.", nameof(command));
        }

        var unowned = requested.Where(i => !owners.ContainsKey(i)).ToList();
        if (owners.Count == 0)
        {
            var contact = new Contact
            {
                Id = newId,
                Name = command.Name,
                Emails = command.Email is null ? [] : [command.Email],
                Phones = command.Phone is null ? [] : [command.Phone],
                ExternalIds = [.. command.ExternalIds.Select(e => new ExternalId(e.Scheme!, e.Value))],
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
            };
            return new ResolutionPlan
            {
                Contact = contact,
                Created = true,
                Changed = false,
                NewIdentities = unowned,
                ExpectedVersion = 0,
                Event = new ContactCreated
                {
                    EventId = Ids.NewGuid(),
                    OccurredAt = now,
                    ContactId = contact.Id,
                    Name = contact.Name,
                    Emails = contact.Emails,
                    Phones = contact.Phones,
                },
            };
        }

        var ownerIds = owners.Values.ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<Duplicates.ConflictMatch> conflicts = ownerIds.Count > 1
            ? [.. owners.Select(o => new Duplicates.ConflictMatch(o.Key.KindName, o.Value)).Distinct().OrderBy(m => m.Kind, StringComparer.Ordinal).ThenBy(m => m.ContactId, StringComparer.Ordinal)]
            : [];
        var survivor = matched
            .Where(c => ownerIds.Contains(c.Id))
            .OrderBy(c => c.CreatedAt)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"Identities point to contacts that do not exist: {string.Join(", ", ownerIds)}.");

        var emails = survivor.Emails.ToList();
        var phones = survivor.Phones.ToList();
        var externalIds = survivor.ExternalIds.ToList();
        foreach (var identity in unowned)
        {
            if (identity.Kind == IdentityKind.External)
            {
                var external = new ExternalId(identity.Scheme!, identity.Value);
                if (!externalIds.Contains(external))
                {
                    externalIds.Add(external);
                }

                continue;
            }

            var list = identity.Kind == IdentityKind.Email ? emails : phones;
            if (!list.Contains(identity.Value, StringComparer.Ordinal))
            {
                list.Add(identity.Value);
            }
        }

        var learntName = survivor.Name is null && command.Name is not null;
        var changed = unowned.Count > 0 || learntName;
        if (!changed)
        {
            return new ResolutionPlan
            {
                Contact = survivor,
                Created = false,
                Changed = false,
                NewIdentities = [],
                ExpectedVersion = survivor.Version,
                Conflicts = conflicts,
            };
        }

        var updated = survivor with
        {
            Name = learntName ? command.Name : survivor.Name,
            Emails = emails,
            Phones = phones,
            ExternalIds = externalIds,
            UpdatedAt = now,
            Version = survivor.Version + 1,
        };
        return new ResolutionPlan
        {
            Contact = updated,
            Created = false,
            Changed = true,
            NewIdentities = unowned,
            ExpectedVersion = survivor.Version,
            Conflicts = conflicts,
            Event = ContactEvents.Updated(updated, [.. unowned.Select(i => ChangedField(i.Kind)).Distinct(), .. learntName ? new[] { "name" } : []], now),
        };
    }

    /// <summary>The API name of the contact's field an identity of <paramref name="kind"/> is listed in.</summary>
    public static string ChangedField(IdentityKind kind) => kind switch
    {
        IdentityKind.Email => "emails",
        IdentityKind.Phone => "phones",
        _ => "externalIds",
    };
}
