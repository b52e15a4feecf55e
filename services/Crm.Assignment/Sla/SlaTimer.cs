using Crm.Assignment.Assignments;
using Crm.Assignment.Notifications;
using Crm.Assignment.Routing;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Sla;

/// <summary>
/// The SLA ladder acting: fires a lead's next rung when due (durable timer <c>assignment-sla</c>, one per lead, claimed
/// by one replica and fired late after a restart) — warning, breach, reassignment (once per lead), escalation to the
/// team lead, then to the manager — each an event, a history entry and a notification; then schedules the next rung in
/// the owner's working calendar. A clock stopped or restarted since (activity, closure) replaced or cancelled the timer.
/// </summary>
public sealed class SlaTimer(AssignmentEngine engine) : ITimerHandler
{
    public string Kind => SlaClocks.TimerKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var lead = await unit.GetAsync(AssignmentCollections.Leads, timer.Key, cancellationToken);
        if (lead is not { Status: LeadStatus.Assigned, Sla: { DueAt: { } due, NextStep: { } step } clock })
        {
            return;
        }

        if (due > unit.Now)
        {
            SlaClocks.Schedule(unit, lead.Id, clock);
            return;
        }

        var rep = await unit.GetAsync(AssignmentCollections.Reps, clock.RepId, cancellationToken);
        var team = rep?.TeamId is { } teamId ? await unit.GetAsync(AssignmentCollections.Teams, teamId, cancellationToken) : null;
        var sla = SlaLadder.WireName(clock.Kind);
        var grade = BacklogOrder.Format(lead.Grade);
        var after = lead;
        switch (step)
        {
            case SlaStep.Warning:
                unit.Publish(new SlaWarning
                {
                    EventId = Ids.NewGuid(), OccurredAt = unit.Now, LeadId = lead.Id, ContactId = lead.ContactId, RepId = clock.RepId,
                    TeamId = rep?.TeamId, TeamLeadRepId = team?.LeadRepId, Sla = sla, Grade = grade, StartedAt = clock.StartedAt, BreachAt = clock.BreachAt,
                });
                Notification.Add(unit, clock.RepId, "sla-warning", lead.Id, $"{Title(clock)} due at {clock.BreachAt:u}: act now.");
                after = after.WithHistory(new LeadHistoryEntry(unit.Now, "sla-warning", clock.RepId, sla));
                break;
            case SlaStep.Breach:
                unit.Publish(new SlaBreached
                {
                    EventId = Ids.NewGuid(), OccurredAt = unit.Now, LeadId = lead.Id, ContactId = lead.ContactId, RepId = clock.RepId,
                    TeamId = rep?.TeamId, TeamLeadRepId = team?.LeadRepId, Sla = sla, Grade = grade, StartedAt = clock.StartedAt, Target = clock.Target,
                });
                Notification.Add(unit, clock.RepId, "sla-breached", lead.Id, $"{Title(clock)} missed (target {clock.Target}).");
                after = after.WithHistory(new LeadHistoryEntry(unit.Now, "sla-breached", clock.RepId, sla));
                break;
            case SlaStep.Reassign:
                if (await engine.CollectReassignAsync(unit, lead, cancellationToken) is { } moved)
                {
                    unit.Publish(new LeadReassigned
                    {
                        EventId = Ids.NewGuid(), OccurredAt = unit.Now, LeadId = lead.Id, ContactId = lead.ContactId,
                        FromRepId = clock.RepId, ToRepId = moved.RepId!, Reason = "sla-breached", Sla = sla,
                    });
                    Notification.Add(unit, clock.RepId, "lead-reassigned", lead.Id, $"{Title(clock)} missed: the lead went to another rep.");
                    Notification.Add(unit, moved.RepId, "lead-reassigned", lead.Id, "A lead whose SLA was missed was given to you: act now.");
                    Replace(unit, lead, moved.WithHistory(new LeadHistoryEntry(unit.Now, "reassigned", moved.RepId, $"from {clock.RepId}: {sla} breached")));
                    return;
                }

                after = after.WithHistory(new LeadHistoryEntry(unit.Now, "reassign-skipped", clock.RepId, "nobody else was eligible"));
                break;
            default:
                var level = step == SlaStep.EscalateToTeamLead ? "team-lead" : "manager";
                var to = step == SlaStep.EscalateToTeamLead ? team?.LeadRepId : team?.ManagerRepId;
                unit.Publish(new LeadEscalated
                {
                    EventId = Ids.NewGuid(), OccurredAt = unit.Now, LeadId = lead.Id, ContactId = lead.ContactId, RepId = clock.RepId,
                    TeamId = rep?.TeamId, Level = level, ToRepId = to, Sla = sla,
                });
                Notification.Add(unit, to, "lead-escalated", lead.Id, $"{Title(clock)} missed by {rep?.Name ?? clock.RepId}: escalated to you ({level}).");
                after = after.WithHistory(new LeadHistoryEntry(unit.Now, "escalated", to, $"{level}: {sla} breached"));
                break;
        }

        var advanced = SlaLadder.Advance(clock, rep?.Calendar() ?? WorkingCalendar.Always);
        SlaClocks.Schedule(unit, lead.Id, advanced);
        Replace(unit, lead, after with { Sla = advanced });
    }

    private static string Title(SlaClock clock) => clock.Kind == SlaKind.FirstContact ? "First contact" : "Follow-up";

    private static void Replace(UnitOfWork unit, LeadAssignment before, LeadAssignment after) =>
        unit.Replace(AssignmentCollections.Leads, after with { Version = before.Version + 1 }, before.Version);
}
