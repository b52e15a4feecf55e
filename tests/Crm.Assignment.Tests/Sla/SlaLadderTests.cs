using System.Globalization;
using Crm.Assignment.Routing;
using Crm.Assignment.Sla;
using Crm.Contracts.Api;
using Xunit;

namespace Crm.Assignment.Tests.Sla;

/// <summary>The SLA ladder's pure rules: which rungs a policy has and when, a clock's due instants in the owner's working calendar, and walking it.</summary>
public sealed class SlaLadderTests
{
    private static readonly SlaPolicy Hot = SlaPolicies.Default.For(SlaKind.FirstContact, Grade.Hot)!;

    private static readonly WorkingShift[] NineToFive =
        [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new WorkingShift(d, new TimeOnly(9, 0), new TimeOnly(17, 0)))];

    private static TimeSpan Minutes(int minutes) => TimeSpan.FromMinutes(minutes);

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    private static WorkingCalendar Madrid()
    {
        Assert.True(WorkingCalendar.TryCreate("Europe/Madrid", NineToFive, [], out var calendar, out var errors), string.Join("; ", errors.Keys));
        return calendar;
    }

    private static IEnumerable<(SlaStep, TimeSpan)> Steps(IReadOnlyList<SlaRung> rungs) => rungs.Select(r => (r.Step, r.Offset));

    [Fact]
    public void The_hot_first_contact_ladder_warns_at_80_percent_then_breaches_reassigns_and_escalates_in_time_order()
    {
        Assert.Equal((SlaKind.FirstContact, Grade.Hot, Minutes(15), 80), (Hot.Kind, Hot.Grade, Hot.Target, Hot.WarningPercent));
        Assert.Equal(
            [
                (SlaStep.Warning, Minutes(12)),
                (SlaStep.Breach, Minutes(15)),
                (SlaStep.Reassign, Minutes(30)),
                (SlaStep.EscalateToTeamLead, Minutes(45)),
                (SlaStep.EscalateToManager, Minutes(135)),
            ],
            Steps(Hot.Ladder(reassignedBefore: false)));
    }

    [Fact]
    public void The_default_policies_have_the_documented_targets_and_ladders()
    {
        var warm = SlaPolicies.Default.For(SlaKind.FirstContact, Grade.Warm)!;
        var cold = SlaPolicies.Default.For(SlaKind.FirstContact, Grade.Cold)!;
        var followUp = SlaPolicies.Default.For(SlaKind.FollowUp, Grade.Cold)!;

        Assert.Equal(
            [(SlaStep.Warning, Minutes(192)), (SlaStep.Breach, Minutes(240)), (SlaStep.Reassign, Minutes(360)), (SlaStep.EscalateToTeamLead, Minutes(480)), (SlaStep.EscalateToManager, Minutes(720))],
            Steps(warm.Ladder(false)));
        Assert.Equal(
            [(SlaStep.Warning, Minutes(38 * 60 + 24)), (SlaStep.Breach, TimeSpan.FromHours(48)), (SlaStep.EscalateToTeamLead, TimeSpan.FromHours(72))],
            Steps(cold.Ladder(false)));
        Assert.Equal(
            [(SlaStep.Warning, Minutes(38 * 60 + 24)), (SlaStep.Breach, TimeSpan.FromHours(48)), (SlaStep.EscalateToTeamLead, TimeSpan.FromHours(72))],
            Steps(followUp.Ladder(false)));

        // One follow-up policy serves every grade.
        Assert.Same(followUp, SlaPolicies.Default.For(SlaKind.FollowUp, Grade.Hot));
        Assert.Null(SlaPolicies.Default.For(SlaKind.FollowUp, Grade.Hot)!.Grade);
    }

    [Theory]
    [InlineData(50, 7200)]
    [InlineData(1, 144)]
    [InlineData(99, 14256)]
    public void The_warning_comes_at_its_percent_of_the_target(int percent, int warningSeconds)
    {
        var policy = new SlaPolicy(SlaKind.FirstContact, Grade.Warm, TimeSpan.FromHours(4)) { WarningPercent = percent };

        Assert.Equal([(SlaStep.Warning, TimeSpan.FromSeconds(warningSeconds)), (SlaStep.Breach, Minutes(240))], Steps(policy.Ladder(false)));
    }

    [Fact]
    public void Optional_steps_that_are_not_set_are_not_in_the_ladder()
    {
        var bare = new SlaPolicy(SlaKind.FollowUp, null, TimeSpan.FromHours(2));
        var managerOnly = bare with { EscalateToManagerAfter = Minutes(60) };

        Assert.Equal([(SlaStep.Warning, Minutes(96)), (SlaStep.Breach, Minutes(120))], Steps(bare.Ladder(false)));
        Assert.Equal([(SlaStep.Warning, Minutes(96)), (SlaStep.Breach, Minutes(120)), (SlaStep.EscalateToManager, Minutes(180))], Steps(managerOnly.Ladder(false)));
    }

    [Fact]
    public void Steps_are_ordered_by_their_offset_whatever_their_kind_and_a_tie_keeps_the_step_order()
    {
        var policy = new SlaPolicy(SlaKind.FirstContact, Grade.Hot, Minutes(10))
        {
            ReassignAfter = Minutes(40),
            EscalateAfter = Minutes(5),
            EscalateToManagerAfter = Minutes(0),
        };

        Assert.Equal(
            [
                (SlaStep.Warning, Minutes(8)),
                (SlaStep.Breach, Minutes(10)),
                (SlaStep.EscalateToManager, Minutes(10)),
                (SlaStep.EscalateToTeamLead, Minutes(15)),
                (SlaStep.Reassign, Minutes(50)),
            ],
            Steps(policy.Ladder(false)));
    }

    [Fact]
    public void A_lead_reassigned_before_gets_a_ladder_without_the_reassign_step()
    {
        Assert.Equal(
            [
                (SlaStep.Warning, Minutes(12)),
                (SlaStep.Breach, Minutes(15)),
                (SlaStep.EscalateToTeamLead, Minutes(45)),
                (SlaStep.EscalateToManager, Minutes(135)),
            ],
            Steps(Hot.Ladder(reassignedBefore: true)));

        var clock = SlaLadder.Start(Hot, "rep-2", At("2026-11-22T09:30:00Z"), WorkingCalendar.Always, reassignedBefore: true);
        Assert.DoesNotContain(clock.Rungs, r => r.Step == SlaStep.Reassign);
    }

    [Fact]
    public void A_clock_without_working_hours_counts_wall_time_from_its_start()
    {
        var start = At("2026-11-22T09:00:00Z");

        var clock = SlaLadder.Start(Hot, "rep-1", start, WorkingCalendar.Always, reassignedBefore: false);

        Assert.Equal(
            (SlaKind.FirstContact, "rep-1", start, Minutes(15), 0, (DateTimeOffset?)start.AddMinutes(12), start.AddMinutes(15), (SlaStep?)SlaStep.Warning, false),
            (clock.Kind, clock.RepId, clock.StartedAt, clock.Target, clock.Next, clock.DueAt, clock.BreachAt, clock.NextStep, clock.Breached));
        Assert.Equal(Steps(Hot.Ladder(false)), Steps(clock.Rungs));
    }

    [Fact]
    public void A_hot_lead_assigned_five_minutes_before_the_weekend_warns_and_breaches_on_Monday_morning()
    {
        // Friday 2026-11-20 16:55 in Madrid (CET, UTC+1): 5 working minutes left that day.
        var start = At("2026-11-20T16:55:00+01:00");

        var clock = SlaLadder.Start(Hot, "rep-1", start, Madrid(), reassignedBefore: false);

        // Monday 2026-11-23: 7 more minutes for the warning (09:07 CET), 10 for the breach (09:10 CET).
        Assert.Equal(At("2026-11-23T08:07:00Z"), clock.DueAt);
        Assert.Equal(At("2026-11-23T08:10:00Z"), clock.BreachAt);
        Assert.Equal(start, clock.StartedAt);
        Assert.Equal(TimeSpan.Zero, clock.DueAt!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, clock.BreachAt.Offset);
    }

    [Fact]
    public void Across_the_autumn_clock_change_the_due_instants_follow_the_local_wall_clock()
    {
        // Friday 2026-10-23 16:55 CEST (UTC+2); Madrid falls back to CET (UTC+1) on Sunday 2026-10-25.
        var start = At("2026-10-23T16:55:00+02:00");

        var clock = SlaLadder.Start(Hot, "rep-1", start, Madrid(), reassignedBefore: false);

        // Monday 2026-10-26 09:07 and 09:10 CET: an hour later in UTC than the same local times before the change.
        Assert.Equal(At("2026-10-26T08:07:00Z"), clock.DueAt);
        Assert.Equal(At("2026-10-26T08:10:00Z"), clock.BreachAt);
    }

    [Fact]
    public void A_follow_up_clock_counts_only_working_hours_over_days_and_the_clock_change()
    {
        var followUp = SlaPolicies.Default.For(SlaKind.FollowUp, Grade.Warm)!;
        var start = At("2026-10-23T16:55:00+02:00");

        var clock = SlaLadder.Start(followUp, "rep-1", start, Madrid(), reassignedBefore: false);

        // 38 h 24 min: 5 min on Friday, 4 × 8 h Monday to Thursday, then 6 h 19 min on Friday 2026-10-30 (15:19 CET).
        Assert.Equal(At("2026-10-30T14:19:00Z"), clock.DueAt);
        // 48 h: 5 min, 5 × 8 h the next week, then 7 h 55 min on Monday 2026-11-02 (16:55 CET).
        Assert.Equal(At("2026-11-02T15:55:00Z"), clock.BreachAt);
    }

    [Fact]
    public void Advancing_walks_the_rungs_in_order_each_due_in_the_calendar_from_the_start_then_ends()
    {
        var start = At("2026-11-20T16:55:00+01:00");
        var calendar = Madrid();
        var clock = SlaLadder.Start(Hot, "rep-1", start, calendar, reassignedBefore: false);

        var walked = new List<(int, SlaStep?, DateTimeOffset?, bool)> { (clock.Next, clock.NextStep, clock.DueAt, clock.Breached) };
        for (var i = 0; i < 5; i++)
        {
            clock = SlaLadder.Advance(clock, calendar);
            walked.Add((clock.Next, clock.NextStep, clock.DueAt, clock.Breached));
        }

        Assert.Equal(
            [
                (0, SlaStep.Warning, At("2026-11-23T08:07:00Z"), false),
                (1, SlaStep.Breach, At("2026-11-23T08:10:00Z"), false),
                (2, SlaStep.Reassign, At("2026-11-23T08:25:00Z"), true),
                (3, SlaStep.EscalateToTeamLead, At("2026-11-23T08:40:00Z"), true),
                (4, SlaStep.EscalateToManager, At("2026-11-23T10:10:00Z"), true),
                (5, null, null, true),
            ],
            walked);

        // Nothing else changes as it walks.
        Assert.Equal((start, At("2026-11-23T08:10:00Z"), "rep-1", 5), (clock.StartedAt, clock.BreachAt, clock.RepId, clock.Rungs.Count));
    }

    [Theory]
    [InlineData(SlaStep.Warning, "warning")]
    [InlineData(SlaStep.Breach, "breach")]
    [InlineData(SlaStep.Reassign, "reassign")]
    [InlineData(SlaStep.EscalateToTeamLead, "escalate-team-lead")]
    [InlineData(SlaStep.EscalateToManager, "escalate-manager")]
    public void Steps_have_their_wire_names(SlaStep step, string name) => Assert.Equal(name, SlaLadder.WireName(step));

    [Fact]
    public void Clocks_have_their_wire_names()
    {
        Assert.Equal("first-contact", SlaLadder.WireName(SlaKind.FirstContact));
        Assert.Equal("follow-up", SlaLadder.WireName(SlaKind.FollowUp));
    }
}
