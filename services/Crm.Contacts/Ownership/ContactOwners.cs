using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Ownership;

/// <summary>
/// Who owns a contact's leads (a document of <c>contact_owners</c>, id = the contact's id): the current rep and team
/// of each lead, from the <c>LeadAssigned</c> events. A rep sees a contact when one of its leads is theirs, a team
/// lead when one is their team's (<see cref="CallerIdentity.SeesAny"/>). Kept beside the contact rather than in it,
/// so an assignment never races the contact's own version-guarded changes, and it may arrive before the contact.
/// </summary>
public sealed record ContactOwners : IDocument
{
    /// <summary>The contact's id.</summary>
    public required string Id { get; init; }
    public IReadOnlyList<LeadOwner> Leads { get; init; } = [];
    public long Version { get; init; } = 1;

    /// <summary>The reps of the contact's leads (derived, written with every change): what a rep's contact list looks for.</summary>
    public IReadOnlyList<string> RepIds => [.. Leads.Select(l => l.RepId).Distinct(StringComparer.Ordinal)];

    /// <summary>The teams of the contact's leads (derived, written with every change): what a team lead's contact list looks for.</summary>
    public IReadOnlyList<string> TeamIds => [.. Leads.Select(l => l.TeamId).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>The (rep, team) pairs the ownership rule checks.</summary>
    public IEnumerable<(string? RepId, string? TeamId)> Owners => Leads.Select(l => ((string?)l.RepId, l.TeamId));

    /// <summary>
    /// With <paramref name="leadId"/> owned by <paramref name="repId"/> of <paramref name="teamId"/> since
    /// <paramref name="assignedAt"/>; null when nothing changes (the same or a newer assignment of that lead is known).
    /// </summary>
    public ContactOwners? WithAssignment(string leadId, string repId, string? teamId, DateTimeOffset assignedAt)
    {
        var current = Leads.FirstOrDefault(l => l.LeadId == leadId);
        if (current is not null && current.AssignedAt >= assignedAt)
        {
            return null;
        }

        var owner = new LeadOwner { LeadId = leadId, RepId = repId, TeamId = teamId, AssignedAt = assignedAt };
        return this with { Leads = [.. Leads.Where(l => l.LeadId != leadId), owner], Version = Version + 1 };
    }
}

/// <summary>The current owner of one lead of the contact.</summary>
public sealed record LeadOwner
{
    public required string LeadId { get; init; }
    public required string RepId { get; init; }
    public string? TeamId { get; init; }
    public required DateTimeOffset AssignedAt { get; init; }
}

/// <summary>The ownership collection (read by id; a person's contact list reads the contacts they own, <see cref="OwnershipQueries"/>).</summary>
public static class OwnershipCollections
{
    public static readonly DocumentCollection<ContactOwners> Owners = new("contact_owners");
}

/// <summary>The ownership queries (rendered in the tests' query catalog).</summary>
public static class OwnershipQueries
{
    /// <summary>How many contacts a person's list considers at most (the contacts of their leads).</summary>
    public const int MaxOwned = 5000;

    /// <summary>
    /// The contacts a team lead sees (of their own leads, <paramref name="repId"/>, or their team's), at most
    /// <paramref name="limit"/>. Array membership: no index serves it on SQLite (a scan of <c>contact_owners</c>, one
    /// small document per contact with leads); MongoDB could serve it with a multikey index, which the layer does not
    /// declare yet.
    /// </summary>
    public static Query<ContactOwners> OwnedBy(string repId, string teamId, int limit) =>
        OwnershipCollections.Owners.Find(Filter<ContactOwners>.Contains(x => x.RepIds, repId) | Filter<ContactOwners>.Contains(x => x.TeamIds, teamId)).Take(limit);

    /// <summary>The contacts of a rep's leads, at most <paramref name="limit"/> (see <see cref="OwnedBy"/>).</summary>
    public static Query<ContactOwners> OwnedByRep(string repId, int limit) =>
        OwnershipCollections.Owners.Find(Filter<ContactOwners>.Contains(x => x.RepIds, repId)).Take(limit);
}
