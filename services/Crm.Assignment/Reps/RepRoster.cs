using Crm.Assignment.Assignments;
using Crm.Assignment.Routing;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Reps;

/// <summary>
/// Adding and changing reps (a domain service over a unit of work). The rep change commits on its own, with the
/// safety drain timer and its event (<c>RepCreated</c> or <c>RepChanged</c>, naming who made it); then, when it may have
/// freed capacity, the backlog is drained in bounded units, so the answer already shows the leads the rep took. A drain
/// that keeps losing races is left to the timer.
/// </summary>
public sealed class RepRoster(AssignmentEngine engine, ILogger<RepRoster> logger)
{
    public async Task<Rep> CreateAsync(UnitOfWork unit, Rep rep, CancellationToken cancellationToken)
    {
        unit.Insert(AssignmentCollections.Reps, rep);
        unit.Publish(rep.CreatedEvent(unit.Now));
        BacklogDrainTimer.ScheduleAfter(unit);
        await unit.CommitAsync(cancellationToken);
        if (CapacityChange.MayFreeCapacity(false, 0, rep.TakesLeads, rep.Capacity))
        {
            await DrainAsync(unit, cancellationToken);
        }

        return await unit.GetAsync(AssignmentCollections.Reps, rep.Id, cancellationToken) ?? rep;
    }

    /// <summary>
    /// Applies <paramref name="patch"/> by <paramref name="changedBy"/> when <paramref name="expectedVersion"/> is null or
    /// current. A concurrent change between the read and the commit fails the commit (<see cref="ConcurrencyException"/>):
    /// the request runs again.
    /// </summary>
    public async Task<RepUpdateResult> UpdateAsync(UnitOfWork unit, string id, RepPatch patch, long? expectedVersion, Actor changedBy, CancellationToken cancellationToken)
    {
        var current = await unit.GetAsync(AssignmentCollections.Reps, id, cancellationToken);
        if (current is null)
        {
            return new RepUpdateResult(RepUpdateStatus.NotFound, null);
        }

        if (expectedVersion is { } expected && expected != current.Version)
        {
            return new RepUpdateResult(RepUpdateStatus.VersionMismatch, current);
        }

        var patched = current.Apply(patch) with { UpdatedBy = changedBy, Version = current.Version + 1 };
        if (!current.SettingsDiffer(patched))
        {
            return new RepUpdateResult(RepUpdateStatus.Updated, current);
        }

        var mayFree = CapacityChange.MayFreeCapacity(current.TakesLeads, current.Capacity, patched.TakesLeads, patched.Capacity)
            || (patched.TakesLeads && current.RoutingDiffers(patched));
        var deactivated = current.Active && !patched.Active;
        unit.Add(AssignmentQueries.ChangeSettings(current, patched));
        unit.Publish(patched.ChangedEvent(unit.Now));
        if (mayFree)
        {
            BacklogDrainTimer.ScheduleAfter(unit);
        }

        if (deactivated)
        {
            RerouteTimer.ScheduleAfter(unit, id);
        }

        await unit.CommitAsync(cancellationToken);
        if (mayFree)
        {
            await DrainAsync(unit, cancellationToken);
        }

        if (deactivated)
        {
            await RerouteAsync(unit, id, cancellationToken);
        }

        return new RepUpdateResult(RepUpdateStatus.Updated, await unit.GetAsync(AssignmentCollections.Reps, id, cancellationToken));
    }

    private async Task RerouteAsync(UnitOfWork unit, string repId, CancellationToken cancellationToken)
    {
        try
        {
            await engine.RerouteAsync(unit, repId, cancellationToken);
        }
        catch (ConcurrencyException ex)
        {
            logger.LogWarning(ex, "Routing the leads of deactivated rep {RepId} again kept meeting concurrent changes; the reroute timer finishes it", repId);
        }
    }

    private async Task DrainAsync(UnitOfWork unit, CancellationToken cancellationToken)
    {
        try
        {
            await engine.DrainAsync(unit, cancellationToken);
        }
        catch (ConcurrencyException ex)
        {
            logger.LogWarning(ex, "Draining the backlog kept meeting concurrent changes; the drain timer finishes it");
        }
    }
}
