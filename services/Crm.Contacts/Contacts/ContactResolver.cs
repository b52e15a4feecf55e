using Crm.Contacts.Identity;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Contacts;

/// <summary>
/// Find-or-create, written once for both stores: in one <see cref="UnitOfWork"/> it reads the owners of the
/// request's identities (by key) and the contacts they name, lets <see cref="ContactResolution.Plan"/> decide, and
/// commits the new identities, the new or changed contact (replaced only at the version it read) and the event
/// together. A concurrent resolve that committed first makes the commit fail: on an identity it inserted
/// (<see cref="DuplicateKeyException"/> on <c>contact_identities</c>) or on the contact it changed
/// (<see cref="ConcurrencyException"/>). Nothing was written then, so the resolve runs again on the winner's data,
/// at most <see cref="MaxAttempts"/> times in all. It owns the unit of its scope (one gRPC call): it commits itself,
/// since the caller needs to know whether the contact was created.
/// </summary>
public sealed class ContactResolver(UnitOfWork unit)
{
    public const int MaxAttempts = 3;

    public Task<ResolveOutcome> ResolveAsync(ResolveCommand command, CancellationToken cancellationToken = default) =>
        unit.RunAsync(
            async () =>
            {
                var plan = await PlanAsync(command, cancellationToken);
                return new ResolveOutcome(plan.Contact, plan.Created, plan.Changed);
            },
            MaxAttempts,
            raceOn: ContactCollections.Identities,
            cancellationToken: cancellationToken);

    /// <summary>Reads what the request touches, plans, and collects the plan's writes and event in the unit.</summary>
    private async Task<ResolutionPlan> PlanAsync(ResolveCommand command, CancellationToken cancellationToken)
    {
        var requested = command.Identities;
        var stored = (await unit.GetManyAsync(ContactCollections.Identities, requested.Select(i => i.Key), cancellationToken))
            .ToDictionary(o => o.Id, StringComparer.Ordinal);
        var owners = requested
            .Where(i => stored.ContainsKey(i.Key))
            .ToDictionary(i => i, i => stored[i.Key].ContactId);
        var matched = await unit.GetManyAsync(ContactCollections.Contacts, owners.Values, cancellationToken);

        var plan = ContactResolution.Plan(command, owners, matched, Ids.New(), unit.Now);
        foreach (var identity in plan.NewIdentities)
        {
            unit.Insert(ContactCollections.Identities, IdentityOwner.For(identity, plan.Contact.Id, unit.Now));
        }

        if (plan.Created)
        {
            unit.Insert(ContactCollections.Contacts, plan.Contact);
        }
        else if (plan.Changed)
        {
            unit.Replace(ContactCollections.Contacts, plan.Contact, plan.ExpectedVersion);
        }

        if (plan.Event is not null)
        {
            unit.Publish(plan.Event);
        }

        if (plan.Conflicts.Count > 0)
        {
            Duplicates.DuplicateDetector.RecordConflict(unit, plan.Contact.Id, plan.Conflicts);
        }

        return plan;
    }
}
