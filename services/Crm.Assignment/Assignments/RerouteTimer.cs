using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

/// <summary>
/// The durable half of routing a deactivated rep's leads again (key: the rep's id). The deactivation commits this
/// timer a little later with it, then the request routes the leads itself; if the process dies between the two, the
/// timer does it: one bounded unit per firing (scheduling itself again while a full unit was moved), then the drain
/// timer at once.
/// </summary>
public sealed class RerouteTimer(AssignmentEngine engine) : ITimerHandler
{
    public const string TimerKind = "assignment-reroute";

    public string Kind => TimerKind;

    public static void ScheduleAfter(UnitOfWork unit, string repId) => unit.Schedule(TimerKind, repId, unit.Now + BacklogDrainTimer.SafetyDelay);

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var moved = await engine.CollectRerouteAsync(unit, timer.Key, cancellationToken);
        if (moved == AssignmentEngine.MaxAllocationsPerUnit)
        {
            unit.Schedule(TimerKind, timer.Key, unit.Now);
        }
        else if (moved > 0)
        {
            BacklogDrainTimer.ScheduleNow(unit);
        }
    }
}
