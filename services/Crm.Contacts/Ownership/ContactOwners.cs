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

/// <summary>The ownership collection (read by id only).</summary>
public static class OwnershipCollections
{
    public static readonly DocumentCollection<ContactOwners> Owners = new("contact_owners");
}
