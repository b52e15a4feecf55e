using System.Collections.Concurrent;
using Crm.Assignment.Assignments;
using Crm.Assignment.Notifications;
using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Assignment.Rules;
using Crm.Assignment.Sla;
using Crm.Assignment.Teams;
using Crm.Assignment.Tests.Assignments;
using Crm.Contracts.Api;
using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Crm.Assignment.Tests.Assignments.AssignmentWorld;

namespace Crm.Assignment.Tests.Sla;

/// <summary>
/// The SLA ladder acting on assigned leads over a real store, on a fake clock: each rung fired by the lead's durable
/// timer at its due time (as the timer runner fires it), activities and closures stopping or replacing the clock, late
/// and concurrent firings. Reps here have no working hours, so the clock counts wall time from <see cref="Start"/>.
/// </summary>
public sealed class SlaFlowTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<Backend> Backends => TestStore.Backends;

    private static DateTimeOffset At(int minutes) => Start.AddMinutes(minutes);

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task At_80_percent_of_the_target_the_owner_is_warned_once(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        Assert.Equal(At(12), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);

        await FireDueAsync(world, lead.LeadId);

        Assert.Equal(At(12), world.Time.GetUtcNow());
        var warning = Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.NotEqual(Guid.Empty, warning.EventId);
        Assert.Equal(
            new SlaWarning
            {
                EventId = warning.EventId, OccurredAt = At(12), LeadId = lead.LeadId, ContactId = lead.ContactId, RepId = ann.Id,
                TeamId = null, Sla = "first-contact", Grade = "hot", StartedAt = Start, BreachAt = At(15),
            },
            warning);
        Assert.Empty(await world.Store.PendingEventsAsync<SlaBreached>());

        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(["assigned", "sla-warning"], stored.History.Select(h => h.Kind));
        Assert.Equal(new LeadHistoryEntry(At(12), "sla-warning", ann.Id, "first-contact"), stored.History[^1]);
        Assert.Equal((1, (SlaStep?)SlaStep.Breach, (DateTimeOffset?)At(15), false, 2L), (stored.Sla!.Next, stored.Sla.NextStep, stored.Sla.DueAt, stored.Sla.Breached, stored.Version));
        Assert.Equal(At(15), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.Equal(
            [
                (ann.Id, "hot-lead", "New hot lead (score 30): contact it now.", Start),
                (ann.Id, "sla-warning", "First contact due at 2026-11-22 09:15:00Z: act now.", At(12)),
            ],
            await NotificationsAsync(world, lead.LeadId));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task At_the_target_the_SLA_is_breached(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);

        await FireDueAsync(world, lead.LeadId);
        await FireDueAsync(world, lead.LeadId);

        Assert.Equal(At(15), world.Time.GetUtcNow());
        var breached = Assert.Single(await world.Store.PendingEventsAsync<SlaBreached>());
        Assert.NotEqual(Guid.Empty, breached.EventId);
        Assert.Equal(
            new SlaBreached
            {
                EventId = breached.EventId, OccurredAt = At(15), LeadId = lead.LeadId, ContactId = lead.ContactId, RepId = ann.Id,
                TeamId = null, Sla = "first-contact", Grade = "hot", StartedAt = Start, Target = TimeSpan.FromMinutes(15),
            },
            breached);
        Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());

        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(new LeadHistoryEntry(At(15), "sla-breached", ann.Id, "first-contact"), stored.History[^1]);
        Assert.Equal((2, (SlaStep?)SlaStep.Reassign, (DateTimeOffset?)At(30), true), (stored.Sla!.Next, stored.Sla.NextStep, stored.Sla.DueAt, stored.Sla.Breached));
        Assert.Equal((LeadStatus.Assigned, ann.Id), (stored.Status, stored.RepId));
        Assert.Equal(At(30), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.Equal((ann.Id, "sla-breached", "First contact missed (target 00:15:00).", At(15)), (await NotificationsAsync(world, lead.LeadId))[^1]);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task After_the_breach_the_lead_is_reassigned_to_another_rep_once(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await SetRulesAsync(world, new RoutingRules { Units = new LeadUnits(Hot: 2), Version = 1 });
        var ann = await world.CreateRepAsync("Ann", 5);
        var bob = await world.CreateRepAsync("Bob", 5);
        var lead = await ScoredHotAsync(world);
        var owner = (await world.GetLeadAsync(lead.LeadId))!.RepId!;
        var (from, to) = owner == ann.Id ? (ann, bob) : (bob, ann);
        Assert.Equal((2, 0), ((await world.GetRepAsync(from.Id))!.OpenLeads, (await world.GetRepAsync(to.Id))!.OpenLeads));

        await FireDueAsync(world, lead.LeadId); // warning
        await FireDueAsync(world, lead.LeadId); // breach
        await FireDueAsync(world, lead.LeadId); // reassign

        Assert.Equal(At(30), world.Time.GetUtcNow());
        var moved = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(
            (LeadStatus.Assigned, to.Id, from.Id, (DateTimeOffset?)At(30), 2, true, 4L),
            (moved.Status, moved.RepId, moved.PreviousRepId, moved.AssignedAt, moved.Units, moved.SlaReassigned, moved.Version));
        Assert.Equal((0, 2), ((await world.GetRepAsync(from.Id))!.OpenLeads, (await world.GetRepAsync(to.Id))!.OpenLeads));

        var reassigned = Assert.Single(await world.Store.PendingEventsAsync<LeadReassigned>());
        Assert.Equal(
            new LeadReassigned
            {
                EventId = reassigned.EventId, OccurredAt = At(30), LeadId = lead.LeadId, ContactId = lead.ContactId,
                FromRepId = from.Id, ToRepId = to.Id, Reason = "sla-breached", Sla = "first-contact",
            },
            reassigned);
        var assigned = await world.AssignedEventsAsync();
        Assert.Equal([(from.Id, (string?)null, Start), (to.Id, from.Id, At(30))], assigned.Select(e => (e.RepId, e.PreviousRepId, e.OccurredAt)));
        // The reassignment's LeadAssigned: the lead went straight from rep to rep, so it waited in no backlog (it used to
        // say 30 minutes, the time since the lead was first queued).
        var again = assigned[1];
        Assert.Equal(
            (lead.LeadId, lead.ContactId, to.Name, "hot", 30, TimeSpan.Zero, AssignmentRule.DefaultId, "round-robin"),
            (again.LeadId, again.ContactId, again.RepName, again.Grade, again.Score, again.WaitedInBacklog, again.RuleId, again.Strategy));

        // The new owner owes a new first-contact clock from the reassignment, without a second reassignment.
        var clock = moved.Sla!;
        Assert.Equal(
            (SlaKind.FirstContact, to.Id, At(30), At(45), 0, (DateTimeOffset?)At(42)),
            (clock.Kind, clock.RepId, clock.StartedAt, clock.BreachAt, clock.Next, clock.DueAt));
        Assert.Equal([SlaStep.Warning, SlaStep.Breach, SlaStep.EscalateToTeamLead, SlaStep.EscalateToManager], clock.Rungs.Select(r => r.Step));
        Assert.Equal(At(42), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.Equal(["assigned", "sla-warning", "sla-breached", "assigned", "reassigned"], moved.History.Select(h => h.Kind));
        Assert.Equal(new LeadHistoryEntry(At(30), "reassigned", to.Id, $"from {from.Id}: first-contact breached"), moved.History[^1]);
        Assert.Equal(
            [
                (to.Id, "hot-lead", "New hot lead (score 30): contact it now.", At(30)),
                (from.Id, "lead-reassigned", "First contact missed: the lead went to another rep.", At(30)),
                (to.Id, "lead-reassigned", "A lead whose SLA was missed was given to you: act now.", At(30)),
            ],
            (await NotificationsAsync(world, lead.LeadId)).Where(n => n.At == At(30)));

        // The new owner's ladder runs to its end (the old owner has room again, yet the lead stays).
        var fired = new List<DateTimeOffset>();
        while (await SlaTimerAsync(world, lead.LeadId) is not null)
        {
            fired.Add((await FireDueAsync(world, lead.LeadId)).DueAt);
        }

        Assert.Equal([At(42), At(45), At(75), At(165)], fired);
        var final = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal((to.Id, 4, (DateTimeOffset?)null), (final.RepId, final.Sla!.Next, final.Sla.DueAt));
        Assert.Single(await world.Store.PendingEventsAsync<LeadReassigned>());
        Assert.Equal(2, (await world.AssignedEventsAsync()).Count);
        Assert.Equal([from.Id, to.Id], (await world.Store.PendingEventsAsync<SlaWarning>()).Select(e => e.RepId));
        Assert.Equal(
            [("team-lead", to.Id, (string?)null, At(75)), ("manager", to.Id, null, At(165))],
            (await world.Store.PendingEventsAsync<LeadEscalated>()).Select(e => (e.Level, e.RepId, e.ToRepId, e.OccurredAt)));
        Assert.Equal((0, 2), ((await world.GetRepAsync(from.Id))!.OpenLeads, (await world.GetRepAsync(to.Id))!.OpenLeads));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task With_nobody_else_eligible_the_reassignment_is_skipped_and_the_ladder_goes_on(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var bob = await world.CreateRepAsync("Bob", 5);
        await world.UpdateRepAsync(bob.Id, new RepPatch(null, null, false));
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        Assert.Equal(ann.Id, (await world.GetLeadAsync(lead.LeadId))!.RepId);

        await FireDueAsync(world, lead.LeadId);
        await FireDueAsync(world, lead.LeadId);
        await FireDueAsync(world, lead.LeadId);

        Assert.Equal(At(30), world.Time.GetUtcNow());
        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal((LeadStatus.Assigned, ann.Id, (string?)null, false, 4L), (stored.Status, stored.RepId, stored.PreviousRepId, stored.SlaReassigned, stored.Version));
        Assert.Equal(new LeadHistoryEntry(At(30), "reassign-skipped", ann.Id, "nobody else was eligible"), stored.History[^1]);
        Assert.Equal((3, (SlaStep?)SlaStep.EscalateToTeamLead, (DateTimeOffset?)At(45), Start), (stored.Sla!.Next, stored.Sla.NextStep, stored.Sla.DueAt, stored.Sla.StartedAt));
        Assert.Equal(At(45), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.Empty(await world.Store.PendingEventsAsync<LeadReassigned>());
        Assert.Single(await world.AssignedEventsAsync());
        Assert.Equal((1, 0), ((await world.GetRepAsync(ann.Id))!.OpenLeads, (await world.GetRepAsync(bob.Id))!.OpenLeads));
        Assert.DoesNotContain(await NotificationsAsync(world, lead.LeadId), n => n.At == At(30));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_breached_lead_is_escalated_to_the_team_lead_then_to_the_manager_the_team_names(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        const string teamId = "team-north";
        var tess = await CreateRepAsync(world, NewRep("Tess Lead", 5) with { Active = false, TeamId = teamId });
        var mark = await CreateRepAsync(world, NewRep("Mark Manager", 5) with { Active = false, TeamId = teamId });
        var unit = world.NewUnit();
        unit.Insert(AssignmentCollections.Teams, new Team { Id = teamId, Name = "North", LeadRepId = tess.Id, ManagerRepId = mark.Id });
        await unit.CommitAsync();
        var ann = await CreateRepAsync(world, NewRep("Ann", 5) with { TeamId = teamId });
        var lead = await ScoredHotAsync(world);
        Assert.Equal(ann.Id, (await world.GetLeadAsync(lead.LeadId))!.RepId);

        var fired = new List<DateTimeOffset>();
        for (var i = 0; i < 4; i++)
        {
            fired.Add((await FireDueAsync(world, lead.LeadId)).DueAt);
        }

        Assert.Equal([At(12), At(15), At(30), At(45)], fired);
        var toLead = Assert.Single(await world.Store.PendingEventsAsync<LeadEscalated>());
        Assert.Equal(
            new LeadEscalated
            {
                EventId = toLead.EventId, OccurredAt = At(45), LeadId = lead.LeadId, ContactId = lead.ContactId, RepId = ann.Id,
                TeamId = teamId, Level = "team-lead", ToRepId = tess.Id, Sla = "first-contact",
            },
            toLead);
        Assert.Equal(new LeadHistoryEntry(At(45), "escalated", tess.Id, "team-lead: first-contact breached"), (await world.GetLeadAsync(lead.LeadId))!.History[^1]);
        Assert.Equal(At(135), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);

        Assert.Equal(At(135), (await FireDueAsync(world, lead.LeadId)).DueAt);

        var escalations = await world.Store.PendingEventsAsync<LeadEscalated>();
        Assert.Equal(2, escalations.Count);
        Assert.Equal(
            new LeadEscalated
            {
                EventId = escalations[1].EventId, OccurredAt = At(135), LeadId = lead.LeadId, ContactId = lead.ContactId, RepId = ann.Id,
                TeamId = teamId, Level = "manager", ToRepId = mark.Id, Sla = "first-contact",
            },
            escalations[1]);
        Assert.NotEqual(escalations[0].EventId, escalations[1].EventId);
        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(new LeadHistoryEntry(At(135), "escalated", mark.Id, "manager: first-contact breached"), stored.History[^1]);
        Assert.Equal(["assigned", "sla-warning", "sla-breached", "reassign-skipped", "escalated", "escalated"], stored.History.Select(h => h.Kind));

        // The ladder is done: no next rung, no timer; the lead stays with its owner.
        Assert.Equal((5, (SlaStep?)null, (DateTimeOffset?)null, true, ann.Id), (stored.Sla!.Next, stored.Sla.NextStep, stored.Sla.DueAt, stored.Sla.Breached, stored.RepId));
        Assert.Null(await SlaTimerAsync(world, lead.LeadId));
        Assert.Equal(teamId, Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>()).TeamId);
        Assert.Equal(teamId, Assert.Single(await world.Store.PendingEventsAsync<SlaBreached>()).TeamId);
        Assert.Equal(tess.Id, Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>()).TeamLeadRepId);
        Assert.Equal(tess.Id, Assert.Single(await world.Store.PendingEventsAsync<SlaBreached>()).TeamLeadRepId);
        var notifications = await NotificationsAsync(world, lead.LeadId);
        Assert.Equal(
            [
                (tess.Id, "lead-escalated", "First contact missed by Ann: escalated to you (team-lead).", At(45)),
                (mark.Id, "lead-escalated", "First contact missed by Ann: escalated to you (manager).", At(135)),
            ],
            notifications.Where(n => n.RepId != ann.Id));
        Assert.Equal(["hot-lead", "sla-warning", "sla-breached"], notifications.Where(n => n.RepId == ann.Id).Select(n => n.Kind));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Without_a_team_an_escalation_is_published_for_nobody_in_particular(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);

        for (var i = 0; i < 4; i++)
        {
            await FireDueAsync(world, lead.LeadId);
        }

        var escalated = Assert.Single(await world.Store.PendingEventsAsync<LeadEscalated>());
        Assert.Equal(("team-lead", ann.Id, (string?)null, (string?)null), (escalated.Level, escalated.RepId, escalated.TeamId, escalated.ToRepId));
        Assert.Equal(new LeadHistoryEntry(At(45), "escalated", null, "team-lead: first-contact breached"), (await world.GetLeadAsync(lead.LeadId))!.History[^1]);
        Assert.DoesNotContain(await NotificationsAsync(world, lead.LeadId), n => n.Kind == "lead-escalated");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_activity_before_the_warning_ends_the_first_contact_clock_and_starts_the_follow_up(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        var followUpWarning = At(5) + TimeSpan.FromHours(38) + TimeSpan.FromMinutes(24);

        world.Time.Advance(TimeSpan.FromMinutes(5));
        await ActivityAsync(world, lead.LeadId, At(5), "activity: call");

        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(((DateTimeOffset?)At(5), (DateTimeOffset?)At(5), 2L), (stored.FirstContactAt, stored.LastActivityAt, stored.Version));
        Assert.Equal(new LeadHistoryEntry(At(5), "activity", ann.Id, "activity: call"), stored.History[^1]);
        Assert.Equal(
            (SlaKind.FollowUp, ann.Id, At(5), At(5) + TimeSpan.FromHours(48), 0, (DateTimeOffset?)followUpWarning),
            (stored.Sla!.Kind, stored.Sla.RepId, stored.Sla.StartedAt, stored.Sla.BreachAt, stored.Sla.Next, stored.Sla.DueAt));
        Assert.Equal([SlaStep.Warning, SlaStep.Breach, SlaStep.EscalateToTeamLead], stored.Sla.Rungs.Select(r => r.Step));
        Assert.Equal(followUpWarning, (await SlaTimerAsync(world, lead.LeadId))!.DueAt);

        // The first-contact warning's time passes (and a firing claimed for it comes late): nothing is published.
        world.Time.SetUtcNow(At(12));
        await FireAsync(world, new DueTimer(SlaClocks.TimerKind, lead.LeadId, At(12), null, 1));
        world.Time.SetUtcNow(At(20));

        Assert.Empty(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Equivalent(stored, await world.GetLeadAsync(lead.LeadId), strict: true);
        Assert.Equal(followUpWarning, (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.DoesNotContain(await NotificationsAsync(world, lead.LeadId), n => n.Kind == "sla-warning");

        // The follow-up clock warns when its own time comes.
        await FireDueAsync(world, lead.LeadId);
        var warning = Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Equal(
            ("follow-up", followUpWarning, At(5), At(5) + TimeSpan.FromHours(48)),
            (warning.Sla, warning.OccurredAt, warning.StartedAt, warning.BreachAt));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_activity_older_than_the_latest_arriving_late_changes_nothing(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        world.Time.Advance(TimeSpan.FromMinutes(10));
        await ActivityAsync(world, lead.LeadId, At(5), "activity: call");
        var before = (await world.GetLeadAsync(lead.LeadId))!;
        var timer = (await SlaTimerAsync(world, lead.LeadId))!;

        await ActivityAsync(world, lead.LeadId, At(3), "activity: email");
        await ActivityAsync(world, lead.LeadId, At(5), "stage: new → contacted");

        Assert.Equivalent(before, await world.GetLeadAsync(lead.LeadId), strict: true);
        Assert.Equivalent(timer, await SlaTimerAsync(world, lead.LeadId), strict: true);

        // A newer one restarts the follow-up clock from when it happened; the first contact stays the first.
        await ActivityAsync(world, lead.LeadId, At(8), "activity: meeting");
        var after = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(((DateTimeOffset?)At(5), (DateTimeOffset?)At(8), At(8), 3L), (after.FirstContactAt, after.LastActivityAt, after.Sla!.StartedAt, after.Version));
        Assert.Equal(["assigned", "activity", "activity"], after.History.Select(h => h.Kind));
        Assert.Equal(At(8) + TimeSpan.FromMinutes((38 * 60) + 24), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        Assert.Equal(ann.Id, after.Sla.RepId);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_won_lead_loses_its_clock_and_its_timer(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        world.Time.Advance(TimeSpan.FromMinutes(6));

        var unit = world.NewUnit();
        await FollowLeadClosures.CloseAsync(unit, "LeadWon", lead.LeadId, lead.ContactId, "won", At(6), None);
        await unit.CommitAsync();

        var closed = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal((LeadStatus.Closed, "won", (SlaClock?)null, 2L), (closed.Status, closed.ClosedAs, closed.Sla, closed.Version));
        Assert.Null(await SlaTimerAsync(world, lead.LeadId));
        Assert.Equal(0, (await world.GetRepAsync(ann.Id))!.OpenLeads);

        // A firing of the cancelled timer that was already under way finds no clock: nothing happens.
        world.Time.SetUtcNow(At(12));
        await FireAsync(world, new DueTimer(SlaClocks.TimerKind, lead.LeadId, At(12), null, 1));

        Assert.Empty(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Equivalent(closed, await world.GetLeadAsync(lead.LeadId), strict: true);
        Assert.Null(await SlaTimerAsync(world, lead.LeadId));
        Assert.Equal(["hot-lead"], (await NotificationsAsync(world, lead.LeadId)).Select(n => n.Kind));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_late_timer_fires_one_rung_per_firing_each_once_rescheduling_the_next_already_due_rung(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        var ann = await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        var late = Start.AddHours(3);

        // Nothing fired for three hours (every replica down): every rung is overdue.
        world.Time.SetUtcNow(late);
        var steps = new List<(DateTimeOffset Due, int Next, DateTimeOffset? NextDue)>();
        while (await SlaTimerAsync(world, lead.LeadId) is not null)
        {
            var timer = await FireDueAsync(world, lead.LeadId);
            var stored = (await world.GetLeadAsync(lead.LeadId))!;
            steps.Add((timer.DueAt, stored.Sla!.Next, (await SlaTimerAsync(world, lead.LeadId))?.DueAt));
            Assert.True(steps.Count <= 5, "more firings than rungs");
        }

        Assert.Equal(late, world.Time.GetUtcNow());
        Assert.Equal(
            [(At(12), 1, At(15)), (At(15), 2, At(30)), (At(30), 3, At(45)), (At(45), 4, At(135)), (At(135), 5, null)],
            steps.Select(s => (s.Due, s.Next, s.NextDue)));
        var final = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal(
            [
                ("assigned", Start), ("sla-warning", late), ("sla-breached", late), ("reassign-skipped", late), ("escalated", late), ("escalated", late),
            ],
            final.History.Select(h => (h.Kind, h.At)));
        Assert.Equal(late, Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>()).OccurredAt);
        Assert.Equal(late, Assert.Single(await world.Store.PendingEventsAsync<SlaBreached>()).OccurredAt);
        Assert.Equal(["team-lead", "manager"], (await world.Store.PendingEventsAsync<LeadEscalated>()).Select(e => e.Level));
        Assert.Equal(ann.Id, final.RepId);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task After_a_restart_the_timer_runner_fires_each_overdue_rung_once(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        world.Time.SetUtcNow(Start.AddHours(3));
        var firings = new SlaFirings();

        await using (var restarted = new Runner(world, world.Store.OpenAnother(), firings))
        {
            var runs = 0;
            while (await restarted.RunDueAsync() > 0)
            {
                Assert.True(++runs <= 10, "the runner keeps finding due timers");
            }
        }

        Assert.Equal([At(12), At(15), At(30), At(45), At(135)], firings.Of(lead.LeadId).Select(t => t.DueAt));
        Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Single(await world.Store.PendingEventsAsync<SlaBreached>());
        Assert.Equal(["team-lead", "manager"], (await world.Store.PendingEventsAsync<LeadEscalated>()).Select(e => e.Level));
        Assert.Null(await SlaTimerAsync(world, lead.LeadId));

        // Another restart finds nothing more to fire.
        await using (var again = new Runner(world, world.Store.Store, firings))
        {
            Assert.Equal(0, await again.RunDueAsync());
        }

        Assert.Equal(5, firings.Of(lead.LeadId).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_firing_before_the_clock_is_due_only_reschedules_it(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        world.Time.SetUtcNow(At(12).AddMilliseconds(-1));
        var before = (await world.GetLeadAsync(lead.LeadId))!;

        await FireAsync(world, new DueTimer(SlaClocks.TimerKind, lead.LeadId, At(12), null, 1));

        Assert.Empty(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Equivalent(before, await world.GetLeadAsync(lead.LeadId), strict: true);
        Assert.Equal(At(12), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_stale_firing_for_a_clock_replaced_since_only_reschedules_the_new_one(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);

        // The first-contact warning fires; then the owner acts, which replaces the clock.
        await FireDueAsync(world, lead.LeadId);
        world.Time.SetUtcNow(At(13));
        await ActivityAsync(world, lead.LeadId, At(13), "activity: call");
        var replaced = (await world.GetLeadAsync(lead.LeadId))!;
        var due = At(13) + TimeSpan.FromMinutes((38 * 60) + 24);
        Assert.Equal((SlaKind.FollowUp, 0, (DateTimeOffset?)due), (replaced.Sla!.Kind, replaced.Sla.Next, replaced.Sla.DueAt));

        // A firing of the old clock's breach rung (claimed before the activity committed) runs after it.
        world.Time.SetUtcNow(At(15));
        await FireAsync(world, new DueTimer(SlaClocks.TimerKind, lead.LeadId, At(15), null, 1));

        Assert.Empty(await world.Store.PendingEventsAsync<SlaBreached>());
        Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());
        Assert.Equivalent(replaced, await world.GetLeadAsync(lead.LeadId), strict: true);
        Assert.Equal(due, (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
    }

    /// <summary>
    /// Done with the platform's <see cref="TimerRunner"/>: two runners on two store instances (two replicas) race for
    /// the due SLA timers of many leads; each timer is claimed and fired by one of them only.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_replicas_never_fire_one_SLA_timer_twice(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await world.CreateRepAsync("Ann", 50);
        var leads = new List<ScoredLead>();
        for (var i = 0; i < 12; i++)
        {
            leads.Add(await ScoredHotAsync(world));
        }

        await CancelDrainTimerAsync(world);
        world.Time.SetUtcNow(At(12));
        var firings = new SlaFirings();
        var options = new TimerOptions { BatchSize = 2 };
        await using var a = new Runner(world, world.Store.Store, firings, options);
        await using var b = new Runner(world, world.Store.OpenAnother(), firings, options);

        var claimed = await Task.WhenAll(new[] { a, b, a, b }.Select(runner => Task.Run(async () =>
        {
            var total = 0;
            for (var round = 0; round < 50; round++)
            {
                var n = await runner.RunDueAsync();
                total += n;
                if (n == 0 && await DueCountAsync(world) == 0)
                {
                    break;
                }
            }

            return total;
        })));

        Assert.Equal(12, claimed.Sum());
        Assert.Equal(leads.Select(l => l.LeadId).Order(StringComparer.Ordinal), firings.All.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal(leads.Select(l => l.LeadId).Order(StringComparer.Ordinal), (await world.Store.PendingEventsAsync<SlaWarning>()).Select(e => e.LeadId).Order(StringComparer.Ordinal));
        foreach (var lead in leads)
        {
            var stored = (await world.GetLeadAsync(lead.LeadId))!;
            Assert.Equal((1, 2L), (stored.Sla!.Next, stored.Version));
            Assert.Equal(At(15), (await SlaTimerAsync(world, lead.LeadId))!.DueAt);
        }
    }

    /// <summary>
    /// Below the runner's lease: two units (on two replicas) that both read the lead and fire the same rung — as when a
    /// lease ran out under a slow handler — commit one rung; the second commit fails on the lead's version.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_units_firing_one_SLA_timer_at_once_commit_one_rung(Backend backend)
    {
        await using var world = await CreateAsync(backend);
        await world.CreateRepAsync("Ann", 5);
        var lead = await ScoredHotAsync(world);
        world.Time.SetUtcNow(At(12));
        var timer = new DueTimer(SlaClocks.TimerKind, lead.LeadId, At(12), null, 1);

        var other = world.Store.OpenAnother();
        await using var _ = other as IAsyncDisposable;
        var first = world.NewUnit();
        var second = world.NewUnit(other);
        await new SlaTimer(world.Engine).HandleAsync(timer, first, None);
        await new SlaTimer(world.Engine).HandleAsync(timer, second, None);
        await first.CommitAsync();
        await Assert.ThrowsAsync<ConcurrencyException>(() => second.CommitAsync());

        Assert.Single(await world.Store.PendingEventsAsync<SlaWarning>());
        var stored = (await world.GetLeadAsync(lead.LeadId))!;
        Assert.Equal((1, 2L), (stored.Sla!.Next, stored.Version));
        Assert.Single(stored.History, h => h.Kind == "sla-warning");
        Assert.Single(await NotificationsAsync(world, lead.LeadId), n => n.Kind == "sla-warning");
    }

    // --- helpers ---

    private static async Task<ScoredLead> ScoredHotAsync(AssignmentWorld world)
    {
        var lead = Scored(Grade.Hot, 30);
        await world.ScoredAsync(lead);
        Assert.Equal(LeadStatus.Assigned, (await world.GetLeadAsync(lead.LeadId))!.Status);
        return lead;
    }

    private static Task<Rep> CreateRepAsync(AssignmentWorld world, Rep rep) => world.Roster.CreateAsync(world.NewUnit(), rep, None);

    private static async Task SetRulesAsync(AssignmentWorld world, RoutingRules rules)
    {
        var unit = world.NewUnit();
        unit.Insert(AssignmentCollections.Rules, rules);
        await unit.CommitAsync();
    }

    private static async Task ActivityAsync(AssignmentWorld world, string leadId, DateTimeOffset at, string detail)
    {
        var unit = world.NewUnit();
        await TrackLeadActivity.ApplyAsync(unit, leadId, at, detail, None);
        await unit.CommitAsync();
    }

    private static Task<TimerRecord?> SlaTimerAsync(AssignmentWorld world, string leadId) =>
        world.Store.Store.GetAsync(PlatformCollections.Timers, TimerRecord.IdOf(SlaClocks.TimerKind, leadId));

    /// <summary>
    /// Fires the lead's SLA timer at its due time: the clock moved to the due instant (never back: a late timer fires
    /// late), then <see cref="FireAsync"/>. Returns the timer as it was fired.
    /// </summary>
    private static async Task<TimerRecord> FireDueAsync(AssignmentWorld world, string leadId)
    {
        var timer = await SlaTimerAsync(world, leadId);
        Assert.NotNull(timer);
        if (timer.DueAt > world.Time.GetUtcNow())
        {
            world.Time.SetUtcNow(timer.DueAt);
        }

        await FireAsync(world, new DueTimer(timer.Kind, timer.Key, timer.DueAt, timer.Payload, 1));
        return timer;
    }

    /// <summary>One firing as the timer runner does it: in one unit, the timer removed and the handler's effects.</summary>
    private static async Task FireAsync(AssignmentWorld world, DueTimer timer)
    {
        var unit = world.NewUnit();
        unit.Delete(PlatformCollections.Timers, Filter<TimerRecord>.Eq(x => x.Id, TimerRecord.IdOf(timer.Kind, timer.Key)));
        await new SlaTimer(world.Engine).HandleAsync(timer, unit, None);
        await unit.CommitAsync();
    }

    /// <summary>The lead's notifications in the order they were made: recipient, kind, text, when.</summary>
    private static async Task<IReadOnlyList<(string RepId, string Kind, string Text, DateTimeOffset At)>> NotificationsAsync(AssignmentWorld world, string leadId) =>
        [.. (await world.Store.Store.FindAsync(AssignmentCollections.Notifications.All()))
            .Where(n => n.LeadId == leadId)
            .OrderBy(n => n.CreatedAt)
            .ThenBy(n => n.Id, StringComparer.Ordinal)
            .Select(n => (n.RepId, n.Kind, n.Text, n.CreatedAt))];

    /// <summary>The reps' drain timer (scheduled with each rep created) is not what these runners race for.</summary>
    private static async Task CancelDrainTimerAsync(AssignmentWorld world)
    {
        var unit = world.NewUnit();
        unit.CancelTimer(BacklogDrainTimer.TimerKind, BacklogDrainTimer.TimerKey);
        await unit.CommitAsync();
    }

    private static async Task<int> DueCountAsync(AssignmentWorld world) =>
        (await world.Store.Store.FindAsync(PlatformQueries.DueTimers(world.Time.GetUtcNow()))).Count;

    /// <summary>Every run of the SLA handler, by any runner of a test.</summary>
    private sealed class SlaFirings
    {
        private readonly ConcurrentQueue<DueTimer> _all = new();

        public IReadOnlyList<DueTimer> All => [.. _all];

        public IReadOnlyList<DueTimer> Of(string leadId) => [.. _all.Where(t => t.Key == leadId)];

        public void Add(DueTimer timer) => _all.Enqueue(timer);
    }

    /// <summary>The service's <see cref="SlaTimer"/>, each run recorded.</summary>
    private sealed class RecordingSlaTimer(AssignmentEngine engine, SlaFirings firings) : ITimerHandler
    {
        private readonly SlaTimer _inner = new(engine);

        public string Kind => _inner.Kind;

        public Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
        {
            firings.Add(timer);
            return _inner.HandleAsync(timer, unit, cancellationToken);
        }
    }

    /// <summary>A replica's timer runner over <paramref name="store"/>, with Assignment's timer handlers, on the world's clock.</summary>
    private sealed class Runner : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly IAsyncDisposable? _ownStore;

        public Runner(AssignmentWorld world, IDocumentStore store, SlaFirings firings, TimerOptions? options = null)
        {
            _ownStore = ReferenceEquals(store, world.Store.Store) ? null : store as IAsyncDisposable;
            _provider = new ServiceCollection()
                .AddLogging()
                .AddMetrics()
                .AddSingleton(store)
                .AddSingleton<TimeProvider>(world.Time)
                .AddSingleton(world.Store.Signal)
                .AddSingleton(options ?? new TimerOptions())
                .AddSingleton<StoreReadiness>()
                .AddSingleton<StorageMetrics>()
                .AddSingleton(world.Engine)
                .AddSingleton(firings)
                .AddScoped<UnitOfWork>()
                .AddScoped<ITimerHandler, RecordingSlaTimer>()
                .AddScoped<ITimerHandler, BacklogDrainTimer>()
                .AddScoped<ITimerHandler, RerouteTimer>()
                .AddSingleton<TimerRunner>()
                .BuildServiceProvider(validateScopes: true);
        }

        public Task<int> RunDueAsync() => _provider.GetRequiredService<TimerRunner>().RunDueAsync(None);

        public async ValueTask DisposeAsync()
        {
            await _provider.DisposeAsync();
            if (_ownStore is not null)
            {
                await _ownStore.DisposeAsync();
            }
        }
    }
}
