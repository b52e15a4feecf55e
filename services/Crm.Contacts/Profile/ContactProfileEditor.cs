using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Ownership;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Profile;

/// <summary>
/// A profile edit, written once for both stores: in one <see cref="UnitOfWork"/> it reads the contact (404 when the
/// caller may not see it), checks the version (412), applies the patch (<see cref="ContactPatch.Apply"/>), and for every
/// identity the edit adds reads its owner in <c>contact_identities</c>: one owned by another contact is a 409 naming
/// the field (it is never taken over: merging is a separate, deliberate step). It then commits the new identities, the
/// release of the removed ones, the contact (at the version read) and <c>ContactUpdated</c> together. A concurrent
/// resolve or edit that committed first fails the commit (duplicate identity or version), and the edit runs again on
/// fresh data (at most <see cref="MaxAttempts"/> times), so a lost race on an identity ends as that 409.
/// </summary>
public sealed class ContactProfileEditor(UnitOfWork unit)
{
    public const int MaxAttempts = 3;

    public Task<Contact> UpdateAsync(string id, ContactChanges changes, FieldDefinitions definitions, CallerIdentity caller, long? expectedVersion, CancellationToken cancellationToken) =>
        unit.RunAsync(
            async () =>
            {
                var contact = await ContactAccess.VisibleContactAsync(unit.Store, caller, id, cancellationToken)
                    ?? throw ContactEndpoints.NotFound(id);
                ETags.CheckVersion(expectedVersion, contact.Version, "contact");
                var errors = new ValidationErrors();
                var (updated, changed) = ContactPatch.Apply(contact, changes, definitions, errors);
                errors.ThrowIfAny();
                if (changed.Count == 0)
                {
                    return contact;
                }

                var before = IdentitiesOf(contact).Select(i => i.Identity).ToHashSet();
                var after = IdentitiesOf(updated);
                var added = after.Where(a => !before.Contains(a.Identity)).ToList();
                var kept = after.Select(a => a.Identity).ToHashSet();
                var removed = before.Where(b => !kept.Contains(b)).ToList();
                var owners = (await unit.GetManyAsync(ContactCollections.Identities, added.Select(a => a.Identity.Key), cancellationToken))
                    .ToDictionary(o => o.Id, StringComparer.Ordinal);
                var taken = added.Where(a => owners.TryGetValue(a.Identity.Key, out var owner) && owner.ContactId != id).ToList();
                if (taken.Count > 0)
                {
                    throw ProblemException.Conflict(
                        "An identity belongs to another contact.",
                        "Each e-mail, phone and external id belongs to one contact; nothing was changed. Merge the contacts to bring them together.",
                        new Dictionary<string, object?>
                        {
                            ["errors"] = taken.GroupBy(t => t.Field).ToDictionary(
                                g => g.Key,
                                g => g.Select(t => $"'{Shown(t.Identity)}' belongs to another contact.").ToArray(),
                                StringComparer.Ordinal),
                        });
                }

                foreach (var (identity, _) in added.Where(a => !owners.ContainsKey(a.Identity.Key)))
                {
                    unit.Insert(ContactCollections.Identities, IdentityOwner.For(identity, id, unit.Now));
                }

                foreach (var identity in removed)
                {
                    unit.Delete(ContactCollections.Identities, Filter<IdentityOwner>.Eq(x => x.Id, identity.Key) & Filter<IdentityOwner>.Eq(x => x.ContactId, id));
                }

                updated = updated with { Version = contact.Version + 1, UpdatedAt = unit.Now };
                unit.Replace(ContactCollections.Contacts, updated, contact.Version);
                unit.Publish(ContactEvents.Updated(updated, changed, unit.Now));
                return updated;
            },
            MaxAttempts,
            raceOn: ContactCollections.Identities,
            cancellationToken: cancellationToken);

    /// <summary>The contact's identities with the patch field each comes from.</summary>
    internal static List<(ContactIdentity Identity, string Field)> IdentitiesOf(Contact contact) =>
    [
        .. contact.Emails.Select(e => (ContactIdentity.Email(e), "emails")),
        .. contact.Phones.Select(p => (ContactIdentity.Phone(p), "phones")),
        .. contact.ExternalIds.Select(x => (ContactIdentity.External(x.Kind, x.Value), "externalIds")),
    ];

    private static string Shown(ContactIdentity identity) => identity.Kind == IdentityKind.External ? $"{identity.Scheme}:{identity.Value}" : identity.Value;
}
