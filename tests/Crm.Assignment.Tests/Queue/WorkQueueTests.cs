using System.Globalization;
using Crm.Assignment.Assignments;
using Crm.Assignment.Queue;
using Crm.Assignment.Routing;
using Crm.Assignment.Sla;
using Crm.Contracts.Api;
using Xunit;

namespace Crm.Assignment.Tests.Queue;

/// <summary>A rep's work queue (pure): the tiers, the order within a tier, and where the rep's day ends.</summary>
public sealed class WorkQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset EndOfDay = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>An open lead assigned at <paramref name="assignedAt"/> whose clock breaches at <paramref name="breachAt"/>, <paramref name="fired"/> rungs past.</summary>
    private static LeadAssignment Lead(
        string id,
        Grade grade = Grade.Warm,
        int score = 10,
        DateTimeOffset? breachAt = null,
        int fired = 0,
        bool contacted = true,
        DateTimeOffset? assignedAt = null,
        bool clock = true)
    {
        var policy = SlaPolicies.Default.For(contacted ? SlaKind.FollowUp : SlaKind.FirstContact, grade)!;
        var breach = breachAt ?? Now.AddDays(3);
        var started = breach - policy.Target;
        var sla = SlaLadder.Start(policy, "rep-1", started, WorkingCalendar.Always, reassignedBefore: false);
        for (var i = 0; i < fired; i++)
        {
            sla = SlaLadder.Advance(sla, WorkingCalendar.Always);
        }

        return new LeadAssignment
        {
            Id = id,
            ContactId = $"contact-{id}",
            Grade = grade,
            Score = score,
            ScoredAt = Now.AddDays(-10),
            QueuedAt = Now.AddDays(-10),
            Status = LeadStatus.Assigned,
            RepId = "rep-1",
            AssignedAt = assignedAt ?? Now.AddDays(-5),
            FirstContactAt = contacted ? Now.AddDays(-4) : null,
            Sla = clock ? sla : null,
        };
    }

    private static IEnumerable<(string, int, string)> Order(params LeadAssignment[] leads) =>
        WorkQueue.Order(leads, Now, EndOfDay).Select(i => (i.Lead.Id, i.Tier, i.SlaStatus));

    [Fact]
    public void Hot_uncontacted_first_then_breached_then_at_risk_then_due_today_then_the_rest()
    {
        // Realistic states: a clock's rungs fire as their time comes (a late timer may not have fired the breach yet).
        var rest = Lead("rest", breachAt: Now.AddDays(2));
        var dueToday = Lead("due-today", breachAt: Now.AddHours(12));
        var atRisk = Lead("at-risk", breachAt: Now.AddHours(5), fired: 1);
        var breachedByRung = Lead("breached-rung", breachAt: Now.AddHours(-2), fired: 2);
        var breachedByTime = Lead("breached-time", breachAt: Now.AddHours(-1), fired: 1);
        var hotNew = Lead("hot-new", Grade.Hot, contacted: false, breachAt: Now.AddMinutes(10));
        var noClock = Lead("no-clock", clock: false);

        var queue = WorkQueue.Order([rest, noClock, dueToday, atRisk, breachedByTime, hotNew, breachedByRung], Now, EndOfDay);

        Assert.Equal(
            [
                ("hot-new", 0, "on-track", "first-contact"),
                ("breached-rung", 1, "breached", "follow-up"),
                ("breached-time", 1, "breached", "follow-up"),
                ("at-risk", 2, "at-risk", "follow-up"),
                ("due-today", 3, "on-track", "follow-up"),
                ("rest", 4, "on-track", "follow-up"),
                ("no-clock", 4, "on-track", "follow-up"),
            ],
            queue.Select(i => (i.Lead.Id, i.Tier, i.SlaStatus, i.Action)));
        Assert.Equal(
            [
                "Hot lead not contacted yet: call it first.",
                "The follow-up SLA is breached.",
                "The follow-up SLA is breached.",
                "The follow-up SLA is at risk (due 2026-11-23 15:00:00Z).",
                "The follow-up is due today (2026-11-23 22:00:00Z).",
                "Next by score and age.",
                "Next by score and age.",
            ],
            queue.Select(i => i.Why));
    }

    [Fact]
    public void A_hot_uncontacted_lead_comes_first_even_when_its_clock_is_breached_and_shows_it()
    {
        var breachedHot = Lead("hot-breached", Grade.Hot, contacted: false, breachAt: Now.AddMinutes(-20), fired: 2);
        var breachedWarm = Lead("warm-breached", breachAt: Now.AddHours(-30), fired: 2);

        Assert.Equal([("hot-breached", 0, "breached"), ("warm-breached", 1, "breached")], Order(breachedWarm, breachedHot));
    }

    [Fact]
    public void A_contacted_hot_lead_is_ordered_by_its_follow_up_like_any_other()
    {
        var contactedHot = Lead("hot-contacted", Grade.Hot, breachAt: Now.AddDays(1));
        var dueToday = Lead("warm-due-today", breachAt: Now.AddHours(12));

        Assert.Equal([("warm-due-today", 3, "on-track"), ("hot-contacted", 4, "on-track")], Order(contactedHot, dueToday));
    }

    [Fact]
    public void Due_today_ends_at_the_end_of_the_day_inclusive()
    {
        var atMidnight = Lead("at-midnight", breachAt: EndOfDay);
        var justAfter = Lead("just-after", breachAt: EndOfDay.AddMilliseconds(1));

        Assert.Equal([("at-midnight", 3, "on-track"), ("just-after", 4, "on-track")], Order(justAfter, atMidnight));
    }

    [Fact]
    public void Within_a_tier_the_earliest_due_comes_first()
    {
        var later = Lead("later", breachAt: Now.AddHours(-1), score: 90);
        var earlier = Lead("earlier", breachAt: Now.AddHours(-3), score: 1);
        var middle = Lead("middle", breachAt: Now.AddHours(-2), score: 50);

        Assert.Equal(["earlier", "middle", "later"], Order(later, earlier, middle).Select(i => i.Item1));
    }

    [Fact]
    public void Within_a_tier_and_due_at_the_same_time_the_highest_score_comes_first_then_the_oldest()
    {
        var due = Now.AddHours(12);
        var low = Lead("low", score: 5, breachAt: due, assignedAt: Now.AddDays(-9));
        var highNew = Lead("high-new", score: 40, breachAt: due, assignedAt: Now.AddDays(-1));
        var highOld = Lead("high-old", score: 40, breachAt: due, assignedAt: Now.AddDays(-2));

        Assert.Equal([("high-old", 3, "on-track"), ("high-new", 3, "on-track"), ("low", 3, "on-track")], Order(low, highNew, highOld));
    }

    [Fact]
    public void Leads_without_a_clock_come_after_those_with_one_in_the_last_tier_then_by_score_and_age()
    {
        var clocked = Lead("clocked", score: 1, breachAt: Now.AddDays(5));
        var young = Lead("young", score: 30, clock: false, assignedAt: Now.AddDays(-1));
        var old = Lead("old", score: 30, clock: false, assignedAt: Now.AddDays(-3));
        var best = Lead("best", score: 99, clock: false, assignedAt: Now);

        Assert.Equal(["clocked", "best", "old", "young"], Order(young, best, clocked, old).Select(i => i.Item1));
    }

    [Fact]
    public void An_empty_queue_is_empty() => Assert.Empty(WorkQueue.Order([], Now, EndOfDay));

    [Theory]
    [InlineData("2026-11-20T10:00:00Z", null, "2026-11-21T00:00:00Z")]
    [InlineData("2026-11-20T23:59:59.999Z", null, "2026-11-21T00:00:00Z")]
    [InlineData("2026-11-21T00:00:00Z", null, "2026-11-22T00:00:00Z")]
    [InlineData("2026-11-20T10:00:00Z", "UTC", "2026-11-21T00:00:00Z")]
    // Madrid in winter (CET, UTC+1): the local day ends at 23:00 UTC; 23:30 UTC is already the next local day.
    [InlineData("2026-11-20T10:00:00Z", "Europe/Madrid", "2026-11-20T23:00:00Z")]
    [InlineData("2026-11-20T22:59:59.999Z", "Europe/Madrid", "2026-11-20T23:00:00Z")]
    [InlineData("2026-11-20T23:00:00Z", "Europe/Madrid", "2026-11-21T23:00:00Z")]
    [InlineData("2026-11-20T23:30:00Z", "Europe/Madrid", "2026-11-21T23:00:00Z")]
    // Madrid in summer (CEST, UTC+2).
    [InlineData("2026-07-01T12:00:00Z", "Europe/Madrid", "2026-07-01T22:00:00Z")]
    // West of UTC: New York (EST, UTC-5).
    [InlineData("2026-11-21T03:00:00Z", "America/New_York", "2026-11-21T05:00:00Z")]
    [InlineData("2026-11-21T06:00:00Z", "America/New_York", "2026-11-22T05:00:00Z")]
    public void The_day_ends_at_the_reps_next_local_midnight(string now, string? zone, string expected)
    {
        var end = WorkQueue.EndOfDay(At(now), zone);

        Assert.Equal(At(expected), end);
        Assert.Equal(TimeSpan.Zero, end.Offset);
    }

    [Theory]
    // Sunday 2026-10-25, Madrid falls back from CEST to CET at 03:00: the day began at 22:00 UTC and ends at 23:00 UTC (25 hours).
    [InlineData("2026-10-24T22:30:00Z", "2026-10-25T23:00:00Z")]
    [InlineData("2026-10-25T00:30:00Z", "2026-10-25T23:00:00Z")]
    [InlineData("2026-10-25T01:30:00Z", "2026-10-25T23:00:00Z")]
    [InlineData("2026-10-25T12:00:00Z", "2026-10-25T23:00:00Z")]
    [InlineData("2026-10-25T22:59:59.999Z", "2026-10-25T23:00:00Z")]
    // The evening before, still CEST: that day ends at 22:00 UTC.
    [InlineData("2026-10-24T21:59:59.999Z", "2026-10-24T22:00:00Z")]
    // Sunday 2026-03-29, Madrid springs forward from CET to CEST at 02:00: the day began at 23:00 UTC and ends at 22:00 UTC (23 hours).
    [InlineData("2026-03-28T23:30:00Z", "2026-03-29T22:00:00Z")]
    [InlineData("2026-03-29T01:30:00Z", "2026-03-29T22:00:00Z")]
    [InlineData("2026-03-29T21:59:59.999Z", "2026-03-29T22:00:00Z")]
    public void On_a_clock_change_day_the_day_ends_at_the_next_local_midnight_at_its_new_offset(string now, string expected)
    {
        var end = WorkQueue.EndOfDay(At(now), "Europe/Madrid");

        Assert.Equal(At(expected), end);
        Assert.Equal(TimeSpan.Zero, end.Offset);
    }
}
