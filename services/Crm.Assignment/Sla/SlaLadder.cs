using Crm.Assignment.Routing;
using Crm.Contracts.Api;

namespace Crm.Assignment.Sla;

/// <summary>Which clock: the first contact after an assignment, or the next follow-up after an activity.</summary>
public enum SlaKind
{
    FirstContact,
    FollowUp,
}

/// <summary>The steps of a ladder, in the order they fire.</summary>
public enum SlaStep
{
    Warning,
    Breach,
    Reassign,
    EscalateToTeamLead,
    EscalateToManager,
}

/// <summary>
/// One SLA policy: the target in working time of the owner, when to warn (a share of the target), and after the breach
/// when to reassign the lead, escalate to the team lead and then to the manager (each optional).
/// </summary>
public sealed record SlaPolicy(SlaKind Kind, Grade? Grade, TimeSpan Target)
{
    public int WarningPercent { get; init; } = 80;
    public TimeSpan? ReassignAfter { get; init; }
    public TimeSpan? EscalateAfter { get; init; }
    public TimeSpan? EscalateToManagerAfter { get; init; }

    /// <summary>
    /// The ladder's steps and their offsets from the clock's start, in working time: warning, breach, then the optional
    /// ones after the breach in time order. Reassignment happens once per lead: a clock started after one skips it.
    /// </summary>
    public IReadOnlyList<SlaRung> Ladder(bool reassignedBefore)
    {
        var rungs = new List<SlaRung>
        {
            new(SlaStep.Warning, Target * WarningPercent / 100),
            new(SlaStep.Breach, Target),
        };
        if (ReassignAfter is { } reassign && !reassignedBefore)
        {
            rungs.Add(new SlaRung(SlaStep.Reassign, Target + reassign));
        }

        if (EscalateAfter is { } escalate)
        {
            rungs.Add(new SlaRung(SlaStep.EscalateToTeamLead, Target + escalate));
        }

        if (EscalateToManagerAfter is { } manager)
        {
            rungs.Add(new SlaRung(SlaStep.EscalateToManager, Target + manager));
        }

        return [.. rungs.OrderBy(r => r.Offset).ThenBy(r => r.Step)];
    }
}

/// <summary>A step of a ladder and its offset from the clock's start in working time.</summary>
public sealed record SlaRung(SlaStep Step, TimeSpan Offset);

/// <summary>
/// A running SLA clock on a lead (stored with it): which policy it follows (a snapshot of its ladder, so a policy
/// change applies to new clocks), when it started, the owner it runs for, and the next rung with the instant it is due
/// in the owner's working calendar.
/// </summary>
public sealed record SlaClock
{
    public required SlaKind Kind { get; init; }
    public required string RepId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required TimeSpan Target { get; init; }
    public required IReadOnlyList<SlaRung> Rungs { get; init; }
    /// <summary>Index of the next rung in <see cref="Rungs"/>.</summary>
    public int Next { get; init; }
    /// <summary>When the next rung is due (UTC); null when the ladder is done.</summary>
    public DateTimeOffset? DueAt { get; init; }
    /// <summary>When the target is reached in the owner's calendar (for the work queue).</summary>
    public required DateTimeOffset BreachAt { get; init; }

    public SlaStep? NextStep => Next < Rungs.Count ? Rungs[Next].Step : null;

    public bool Breached => Rungs.Take(Next).Any(r => r.Step == SlaStep.Breach);
}

/// <summary>The SLA ladder's pure rules: starting a clock, and moving past a rung once it fired.</summary>
public static class SlaLadder
{
    /// <summary>A clock of <paramref name="policy"/> for <paramref name="repId"/> from <paramref name="startedAt"/>, counted in <paramref name="calendar"/>.</summary>
    public static SlaClock Start(SlaPolicy policy, string repId, DateTimeOffset startedAt, WorkingCalendar calendar, bool reassignedBefore)
    {
        var rungs = policy.Ladder(reassignedBefore);
        return new SlaClock
        {
            Kind = policy.Kind,
            RepId = repId,
            StartedAt = startedAt,
            Target = policy.Target,
            Rungs = rungs,
            Next = 0,
            DueAt = rungs.Count > 0 ? calendar.AddWorkingTime(startedAt, rungs[0].Offset) : null,
            BreachAt = calendar.AddWorkingTime(startedAt, policy.Target),
        };
    }

    /// <summary>The clock after its next rung fired: the following rung and when it is due (none: the ladder is done).</summary>
    public static SlaClock Advance(SlaClock clock, WorkingCalendar calendar)
    {
        var next = clock.Next + 1;
        return clock with
        {
            Next = next,
            DueAt = next < clock.Rungs.Count ? calendar.AddWorkingTime(clock.StartedAt, clock.Rungs[next].Offset) : null,
        };
    }

    /// <summary>The lower-case name a step has in events and the API.</summary>
    public static string WireName(SlaStep step) => step switch
    {
        SlaStep.Warning => "warning",
        SlaStep.Breach => "breach",
        SlaStep.Reassign => "reassign",
        SlaStep.EscalateToTeamLead => "escalate-team-lead",
        _ => "escalate-manager",
    };

    public static string WireName(SlaKind kind) => kind == SlaKind.FirstContact ? "first-contact" : "follow-up";
}
