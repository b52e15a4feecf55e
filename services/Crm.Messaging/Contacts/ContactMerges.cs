using Crm.Messaging.Channels;
using Crm.Messaging.Conversations;
using Crm.Messaging.Journeys;
using Crm.Messaging.Pressure;

namespace Crm.Messaging.Contacts;

/// <summary>
/// What a merge makes of the per-contact documents Messaging keeps (pure: no I/O, no clock): one budget, one owner, one
/// set of last inbound times and one running enrollment per journey for the surviving contact.
/// </summary>
public static class ContactMerges
{
    /// <summary>
    /// The survivor's budget holding both people's sends (each message once, by id), cut as the send path cuts it: the
    /// merged person does not get a fresh budget. Applied again (a redelivery) it adds nothing.
    /// </summary>
    public static List<PressureSend> Budget(IEnumerable<PressureSend> survivor, IEnumerable<PressureSend> merged, DateTimeOffset now, PressurePolicy policy) =>
        PressureBudget.Kept(survivor.Concat(merged).GroupBy(s => s.MessageId, StringComparer.Ordinal).Select(g => g.MaxBy(s => s.At)!), now, policy);

    /// <summary>The survivor's budget without the sends of <paramref name="restored"/>'s own budget (an un-merge).</summary>
    public static List<PressureSend> BudgetWithout(IEnumerable<PressureSend> survivor, IEnumerable<PressureSend> restored)
    {
        var theirs = restored.Select(s => s.MessageId).ToHashSet(StringComparer.Ordinal);
        return [.. survivor.Where(s => !theirs.Contains(s.MessageId))];
    }

    /// <summary>The later of two owners (the contact's latest assignment, as <c>TrackOwnerOnLeadAssigned</c> keeps it); null when neither.</summary>
    public static ContactOwner? Owner(ContactOwner? survivor, ContactOwner? merged) =>
        survivor is null ? merged
        : merged is null ? survivor
        : merged.AssignedAt > survivor.AssignedAt ? merged
        : survivor;

    /// <summary>Per channel the later of the two last inbound times (a WhatsApp window the merged person opened stays open).</summary>
    public static Dictionary<string, DateTimeOffset> LastInbound(IReadOnlyDictionary<string, DateTimeOffset>? survivor, IReadOnlyDictionary<string, DateTimeOffset>? merged)
    {
        var times = new Dictionary<string, DateTimeOffset>(survivor ?? new Dictionary<string, DateTimeOffset>(), StringComparer.Ordinal);
        foreach (var (channel, at) in merged ?? new Dictionary<string, DateTimeOffset>())
        {
            if (!times.TryGetValue(channel, out var known) || at > known)
            {
                times[channel] = at;
            }
        }

        return times;
    }

    /// <summary>
    /// The active enrollments to stop so that one runs per journey: of several in one journey the most advanced stays
    /// (the furthest step, then the most messages queued, then the earliest entry, then the id), the others are returned.
    /// The kept one does not repeat what it sent; the stopped ones send nothing more — no double messages.
    /// </summary>
    public static IReadOnlyList<JourneyEnrollment> Redundant(IEnumerable<JourneyEnrollment> active) =>
    [
        .. active
            .Where(e => e.Status == EnrollmentStatus.Active)
            .GroupBy(e => e.JourneyId, StringComparer.Ordinal)
            .SelectMany(journey => journey
                .OrderByDescending(e => e.Step)
                .ThenByDescending(e => e.MessageIds.Count)
                .ThenBy(e => e.EnteredAt)
                .ThenBy(e => e.Id, StringComparer.Ordinal)
                .Skip(1)),
    ];
}
