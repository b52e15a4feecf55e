using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Sla;

/// <summary>
/// Starting and stopping a lead's SLA clock, with its durable timer (kind <c>assignment-sla</c>, keyed by the lead: a
/// new clock replaces the timer of the old one). Which clock: first contact until the owner first acted, then follow-up.
/// </summary>
public static class SlaClocks
{
    public const string TimerKind = "assignment-sla";

    /// <summary>
    /// The lead with the clock it owes <paramref name="rep"/> from <paramref name="from"/> (none when the policies have no
    /// policy for it); the timer is scheduled for its first rung (or cancelled).
    /// </summary>
    public static LeadAssignment Start(UnitOfWork unit, LeadAssignment lead, Rep rep, SlaPolicies policies, DateTimeOffset from)
    {
        var kind = lead.FirstContactAt is null ? SlaKind.FirstContact : SlaKind.FollowUp;
        if (policies.For(kind, lead.Grade) is not { } policy)
        {
            return Stop(unit, lead);
        }

        var clock = SlaLadder.Start(policy, rep.Id, from, rep.Calendar(), lead.SlaReassigned);
        Schedule(unit, lead.Id, clock);
        return lead with { Sla = clock };
    }

    /// <summary>The lead without a clock (closed, back in the backlog); its timer cancelled.</summary>
    public static LeadAssignment Stop(UnitOfWork unit, LeadAssignment lead)
    {
        if (lead.Sla is not null)
        {
            unit.CancelTimer(TimerKind, lead.Id);
        }

        return lead with { Sla = null };
    }

    /// <summary>The timer for the clock's next rung, or cancelled when the ladder is done.</summary>
    public static void Schedule(UnitOfWork unit, string leadId, SlaClock clock)
    {
        if (clock.DueAt is { } due && due != DateTimeOffset.MaxValue)
        {
            unit.Schedule(TimerKind, leadId, due);
        }
        else
        {
            unit.CancelTimer(TimerKind, leadId);
        }
    }
}
