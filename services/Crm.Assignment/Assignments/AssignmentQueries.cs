using Crm.Assignment.Notifications;
using Crm.Assignment.Reps;
using Crm.Assignment.Teams;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>Every query and conditional write of Assignment (rendered for both stores in <c>queries.approved.md</c>).</summary>
public static class AssignmentQueries
{
    /// <summary>All reps in creation order (a routing pass reads the whole pool; the list endpoint pages it).</summary>
    public static Query<Rep> RepsInCreationOrder() => AssignmentCollections.Reps.All().OrderBy(x => x.Id);

    /// <summary>Waiting leads in serving order: hot, warm, cold, then the oldest first.</summary>
    public static Query<LeadAssignment> Backlog() =>
        AssignmentCollections.Leads.Find(Filter<LeadAssignment>.Eq(x => x.Status, LeadStatus.Backlog))
            .OrderBy(x => x.GradeRank)
            .ThenBy(x => x.QueuedAt)
            .ThenBy(x => x.Id);

    /// <summary>The leads assigned to <paramref name="repId"/> and still open, by lead id.</summary>
    public static Query<LeadAssignment> AssignedTo(string repId) =>
        AssignmentCollections.Leads.Find(Filter<LeadAssignment>.Eq(x => x.RepId, repId) & Filter<LeadAssignment>.Eq(x => x.Status, LeadStatus.Assigned))
            .OrderBy(x => x.Id);

    /// <summary>
    /// Moves the rep's open leads by <paramref name="by"/> without a guard: back by one for a lead of theirs won or lost
    /// (or by all routed again when they were deactivated), up by one for a reopened lead of theirs, whatever room they
    /// have (reopening is explicit). A plain increment, which concurrent ones add up with.
    /// </summary>
    public static WriteOperation MoveOpenLeads(string repId, int by) =>
        Write.Update(AssignmentCollections.Reps, Filter<Rep>.Eq(x => x.Id, repId), new Update<Rep>().Inc(x => x.OpenLeads, by));

    /// <summary>
    /// Takes <paramref name="units"/> of the rep's capacity, guarded by what the routing pass read (the rep's settings at
    /// <paramref name="version"/>, and <paramref name="openLeadsBefore"/> units taken): a concurrent change fails the commit
    /// instead of overfilling or routing on stale settings.
    /// </summary>
    public static WriteOperation TakeCapacity(string repId, long version, int openLeadsBefore, int units) =>
        Write.Update(
            AssignmentCollections.Reps,
            Filter<Rep>.Eq(x => x.Id, repId) & Filter<Rep>.Eq(x => x.Version, version) & Filter<Rep>.Eq(x => x.OpenLeads, openLeadsBefore),
            new Update<Rep>().Inc(x => x.OpenLeads, units));

    /// <summary>Teams by id (the list endpoint pages it).</summary>
    public static Query<Team> TeamsById() => AssignmentCollections.Teams.All().OrderBy(x => x.Id);

    /// <summary>A rep's notifications, newest first; only the unread ones when <paramref name="unreadOnly"/>.</summary>
    public static Query<Notification> NotificationsOf(string repId, bool unreadOnly) =>
        AssignmentCollections.Notifications.Find(unreadOnly
                ? Filter<Notification>.Eq(x => x.RepId, repId) & Filter<Notification>.Eq(x => x.Unread, true)
                : Filter<Notification>.Eq(x => x.RepId, repId))
            .OrderByDescending(x => x.Id);

    /// <summary>The earlier leads of these contacts (for sticky rules and returning customers), by contact.</summary>
    public static Query<LeadAssignment> OfContacts(IReadOnlyCollection<string> contactIds) =>
        AssignmentCollections.Leads.Find(Filter<LeadAssignment>.In(x => x.ContactId, contactIds)).OrderBy(x => x.ContactId).ThenBy(x => x.Id);

    /// <summary>Every lead of <paramref name="from"/> moved to <paramref name="to"/>, marked with the merge (sticky rules then see one person); index <c>contact</c>.</summary>
    public static WriteOperation MoveToSurvivor(string mergeId, string from, string to) =>
        Write.Update(
            AssignmentCollections.Leads,
            Filter<LeadAssignment>.Eq(x => x.ContactId, from),
            new Update<LeadAssignment>().Set(x => x.ContactId, to).Set(x => x.MergedFromContactId, from).Set(x => x.MergeId, mergeId).Inc(x => x.Version, 1L),
            expectOne: false);

    /// <summary>Every lead <paramref name="mergeId"/> moved from <paramref name="restoredId"/>, moved back; index <c>contact</c>.</summary>
    public static WriteOperation MoveBack(string mergeId, string survivorId, string restoredId) =>
        Write.Update(
            AssignmentCollections.Leads,
            Filter<LeadAssignment>.Eq(x => x.ContactId, survivorId) & Filter<LeadAssignment>.Eq(x => x.MergeId, mergeId) & Filter<LeadAssignment>.Eq(x => x.MergedFromContactId, restoredId),
            new Update<LeadAssignment>().Set(x => x.ContactId, restoredId).Unset(x => x.MergedFromContactId).Unset(x => x.MergeId).Inc(x => x.Version, 1L),
            expectOne: false);

    /// <summary>
    /// A merge patch of the rep's settings, and who made it, at the version it was read (open leads are left to the
    /// routing passes).
    /// </summary>
    public static WriteOperation ChangeSettings(Rep current, Rep patched) =>
        Write.Update(
            AssignmentCollections.Reps,
            Filter<Rep>.Eq(x => x.Id, current.Id) & Filter<Rep>.Eq(x => x.Version, current.Version),
            new Update<Rep>()
                .Set(x => x.Name, patched.Name)
                .Set(x => x.Capacity, patched.Capacity)
                .Set(x => x.Active, patched.Active)
                .Set(x => x.TeamId, patched.TeamId)
                .Set(x => x.Presence, patched.Presence)
                .Set(x => x.Weight, patched.Weight)
                .Set(x => x.Skills, patched.Skills)
                .Set(x => x.WorkingHours, patched.WorkingHours)
                .Set(x => x.Email, patched.Email)
                .Set(x => x.Phone, patched.Phone)
                .Set(x => x.UpdatedBy, patched.UpdatedBy)
                .Inc(x => x.Version, 1));
}
