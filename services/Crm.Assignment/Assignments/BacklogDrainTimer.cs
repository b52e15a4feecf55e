using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>
/// The durable half of a drain. A rep change that may free capacity drains the backlog in its request, and also
/// schedules this timer a little later in the same commit: if the process dies between the two, or the drain loses
/// every race, the timer drains what is left (one bounded unit per firing, scheduling itself again while a full
/// batch was assigned).
/// </summary>
public sealed class BacklogDrainTimer(AssignmentEngine engine) : ITimerHandler
{
    public const string TimerKind = "assignment-backlog-drain";
    public const string TimerKey = "backlog";

    /// <summary>Long enough for the request's own drain to have finished.</summary>
    public static readonly TimeSpan SafetyDelay = TimeSpan.FromSeconds(5);

    public string Kind => TimerKind;

    public static void ScheduleAfter(UnitOfWork unit) => unit.Schedule(TimerKind, TimerKey, unit.Now + SafetyDelay);

    /// <summary>
    /// A drain due at <paramref name="at"/>, when time alone may let a waiting lead through (a shift starts, a fairness
    /// window ends, optional skills are dropped): one timer per second of the day it is due, so a later wake-up never
    /// replaces an earlier one.
    /// </summary>
    public static void ScheduleAt(UnitOfWork unit, DateTimeOffset at) =>
        unit.Schedule(TimerKind, $"wake-{at.ToUnixTimeSeconds()}", at);

    /// <summary>A drain due at once, with what the unit commits (capacity freed, leads back in the backlog).</summary>
    public static void ScheduleNow(UnitOfWork unit) => unit.Schedule(TimerKind, TimerKey, unit.Now);

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (await engine.CollectDrainAsync(unit, cancellationToken) == AssignmentEngine.MaxAllocationsPerUnit)
        {
            ScheduleNow(unit);
        }
    }
}
