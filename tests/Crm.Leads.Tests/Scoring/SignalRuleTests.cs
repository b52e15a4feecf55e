using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Signal rules: each, latest, once, the daily cap and decay (half-life and steps), with explicit times.</summary>
public sealed class SignalRuleTests
{
    private static readonly string[] Pages = [SignalTypes.PageView];
    private static readonly string[] Touches = [SignalTypes.EmailOpen, SignalTypes.Reply, SignalTypes.Call];

    [Fact]
    public void Each_counts_every_signal_of_its_types_across_days()
    {
        var rules = Set(Signal("pages", 3, Pages, unit: "page"));
        var subject = Subject(
            Span(SignalTypes.PageView, Now.AddDays(-1).AddHours(-3), Now.AddDays(-1), 4),
            At(SignalTypes.Download, Now.AddHours(-1), 9),
            Span(SignalTypes.PageView, Now.AddHours(-5), Now.AddHours(-2), 2));

        var outcome = Score(rules, subject);

        var line = Assert.Single(outcome.Breakdown);
        Assert.Equal("pages", line.Rule);
        Assert.Equal(18, line.Points);
        Assert.Equal("6 pages x 3", line.Detail);
        Assert.Equal(ScoreParts.Engagement, line.Part);
        Assert.Null(line.BasePoints);
        Assert.Equal(Now.AddHours(-2), line.At);
        Assert.Equal(18, outcome.Score);
        Assert.Equal(18, outcome.Engagement);
        Assert.Equal(0, outcome.Fit);
    }

    [Fact]
    public void Each_with_one_signal_and_the_default_unit()
    {
        var one = Score(Set(Signal("pages", 3, Pages)), Subject(At(SignalTypes.PageView, Now)));
        var two = Score(Set(Signal("pages", 3, Pages)), Subject(At(SignalTypes.PageView, Now, 2)));

        Assert.Equal("1 signal x 3", Assert.Single(one.Breakdown).Detail);
        Assert.Equal("2 signals x 3", Assert.Single(two.Breakdown).Detail);
    }

    [Fact]
    public void No_matching_signal_gives_no_line()
    {
        var outcome = Score(Set(Signal("pages", 3, Pages)), Subject(At(SignalTypes.Download, Now), At(SignalTypes.PageView, Now, 0)));

        Assert.Empty(outcome.Breakdown);
        Assert.Equal(0, outcome.Score);
        Assert.Null(outcome.NextReviewAt);
    }

    [Fact]
    public void Daily_cap_limits_each_utc_day_across_the_rules_types()
    {
        var rules = Set(Signal("clicks", 4, [SignalTypes.Click, SignalTypes.Download], dailyCap: 10));
        var dayOne = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        var dayTwo = new DateTimeOffset(2026, 11, 21, 23, 30, 0, TimeSpan.Zero);
        var subject = Subject(
            At(SignalTypes.Click, dayOne, 2),       // day one: (2 + 3) x 4 = 20, capped to 10
            At(SignalTypes.Download, dayOne.AddHours(5), 3),
            At(SignalTypes.Click, dayTwo, 2));      // day two: 8, under the cap

        var line = Assert.Single(Score(rules, subject).Breakdown);

        Assert.Equal(18, line.Points);
        Assert.Equal("7 signals x 4, capped at 10 a day", line.Detail);
        Assert.Null(line.BasePoints);
    }

    [Fact]
    public void Daily_cap_not_reached_says_nothing_of_it()
    {
        var line = Assert.Single(Score(Set(Signal("clicks", 4, [SignalTypes.Click], dailyCap: 10)), Subject(At(SignalTypes.Click, Now, 2))).Breakdown);

        Assert.Equal(8, line.Points);
        Assert.Equal("2 signals x 4", line.Detail);
    }

    [Fact]
    public void Daily_cap_bounds_negative_points_too()
    {
        var line = Assert.Single(Score(Set(Signal("abandoned", -5, [SignalTypes.CartAbandon], dailyCap: 12)), Subject(At(SignalTypes.CartAbandon, Now, 4))).Breakdown);

        Assert.Equal(-12, line.Points);
        Assert.Equal("4 signals x -5, capped at 12 a day", line.Detail);
    }

    [Fact]
    public void Daily_cap_applies_before_decay_each_bucket_decaying_by_its_own_time()
    {
        // day one (48 h ago): 20 capped to 10, two half-lives: 2.5; today: 8 -> 10.5, rounded away from zero: 11
        var rules = Set(Signal("clicks", 4, [SignalTypes.Click], dailyCap: 10, decay: HalfLife(24)));
        var subject = Subject(At(SignalTypes.Click, Now.AddHours(-48), 5), At(SignalTypes.Click, Now, 2));

        var line = Assert.Single(Score(rules, subject).Breakdown);

        Assert.Equal(11, line.Points);
        Assert.Equal(18, line.BasePoints);
        Assert.Equal("7 signals x 4, capped at 10 a day, decayed from 18", line.Detail);
    }

    [Fact]
    public void Latest_counts_only_the_most_recent_signal_once()
    {
        var rules = Set(Signal("recent-touch", 10, Touches, count: CountModes.Latest, unit: "touch"));
        var subject = Subject(
            Span(SignalTypes.Reply, Now.AddHours(-3), Now.AddHours(-2).AddMilliseconds(-250), 5),
            At(SignalTypes.EmailOpen, Now.AddHours(-30), 7),
            At(SignalTypes.PageView, Now.AddMinutes(-1)));

        var line = Assert.Single(Score(rules, subject).Breakdown);

        Assert.Equal(10, line.Points);
        Assert.Equal("last touch at 2026-11-22T15:59:59.750Z", line.Detail);
        Assert.Equal(Now.AddHours(-2).AddMilliseconds(-250), line.At);
    }

    [Fact]
    public void Once_counts_only_the_first_signal_ever()
    {
        var rules = Set(Signal("first-form", 15, [SignalTypes.FormSubmit], count: CountModes.Once, unit: "form"));
        var first = new DateTimeOffset(2026, 11, 12, 7, 30, 0, TimeSpan.FromHours(2));
        var subject = Subject(
            At(SignalTypes.FormSubmit, Now.AddDays(-1), 3),
            Span(SignalTypes.FormSubmit, first, first.AddHours(4), 2));

        var line = Assert.Single(Score(rules, subject).Breakdown);

        Assert.Equal(15, line.Points);
        Assert.Equal("first form at 2026-11-12T05:30:00.000Z", line.Detail);
        Assert.Equal(first, line.At);
    }

    [Fact]
    public void Once_decays_by_the_first_signal()
    {
        var rules = Set(Signal("first-form", 16, [SignalTypes.FormSubmit], count: CountModes.Once, decay: HalfLife(24)));
        var subject = Subject(At(SignalTypes.FormSubmit, Now.AddHours(-48)), At(SignalTypes.FormSubmit, Now));

        var line = Assert.Single(Score(rules, subject).Breakdown);

        Assert.Equal(4, line.Points);
        Assert.Equal(16, line.BasePoints);
        Assert.Equal("first signal at 2026-11-20T18:00:00.000Z, decayed from 16", line.Detail);
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(12, 8)]
    [InlineData(24, 4)]
    [InlineData(36, 2)]
    [InlineData(48, 1)]
    [InlineData(72, 0)]      // 0.25 rounds to 0: no line
    [InlineData(-5, 16)]     // a signal in the future (clock skew) keeps everything
    public void Half_life_halves_the_points_every_half_life(double hoursAgo, int points)
    {
        var rules = Set(Signal("touch", 16, Touches, decay: HalfLife(12)));

        var outcome = Score(rules, Subject(At(SignalTypes.Reply, Now.AddHours(-hoursAgo))));

        Assert.Equal(points, outcome.Score);
        if (points == 0)
        {
            Assert.Empty(outcome.Breakdown);
        }
        else
        {
            var line = Assert.Single(outcome.Breakdown);
            Assert.Equal(points, line.Points);
            Assert.Equal(points == 16 ? null : 16, line.BasePoints);
            Assert.Equal(points == 16 ? "1 signal x 16" : "1 signal x 16, decayed from 16", line.Detail);
        }
    }

    [Theory]
    [InlineData(5, 3)]      // 2.5 rounds away from zero
    [InlineData(-5, -3)]
    [InlineData(3, 2)]      // 1.5
    public void Decayed_points_round_half_away_from_zero(int points, int expected)
    {
        var rules = Set(Signal("touch", points, Touches, decay: HalfLife(24)));

        var line = Assert.Single(Score(rules, Subject(At(SignalTypes.Call, Now.AddHours(-24)))).Breakdown);

        Assert.Equal(expected, line.Points);
    }

    [Fact]
    public void Each_rounds_the_sum_of_its_decayed_signals_not_each_signal()
    {
        // three buckets of 1.5 each: 4.5 -> 5 (rounding each would give 6)
        var rules = Set(Signal("touch", 3, Touches, decay: HalfLife(24)));
        var day = Now.AddHours(-24);

        var line = Assert.Single(Score(rules, Subject(At(SignalTypes.Call, day), At(SignalTypes.Reply, day), At(SignalTypes.EmailOpen, day))).Breakdown);

        Assert.Equal(5, line.Points);
        Assert.Equal(9, line.BasePoints);
    }

    [Theory]
    [InlineData(0L, 10)]
    [InlineData(24 * 3_600_000L, 10)]          // exactly 24 h: the step is not strictly exceeded
    [InlineData((24 * 3_600_000L) + 1, 5)]     // one millisecond later it is
    [InlineData(72 * 3_600_000L, 5)]
    [InlineData((72 * 3_600_000L) + 1, 0)]
    [InlineData(-3_600_000L, 10)]              // future
    public void Steps_keep_the_factor_of_the_last_step_strictly_exceeded(long millisecondsAgo, int points)
    {
        var rules = Set(Signal("touch", 10, Touches, count: CountModes.Latest, decay: Steps((24, 0.5), (72, 0))));

        var outcome = Score(rules, Subject(At(SignalTypes.Call, Now.AddMilliseconds(-millisecondsAgo))));

        Assert.Equal(points, outcome.Score);
        Assert.Equal(points == 0 ? 0 : 1, outcome.Breakdown.Count);
    }

    [Theory]
    [InlineData(24.0, 2.0, "last touch at 2026-11-22T16:00:00.000Z, within 24 h")]
    [InlineData(0.5, 0.25, "last touch at 2026-11-22T17:45:00.000Z, within 30 min")]
    [InlineData(168.0, 100.0, "last touch at 2026-11-18T14:00:00.000Z, within 7 d")]
    [InlineData(48.0, 48.0, "last touch at 2026-11-20T18:00:00.000Z, within 2 d")]
    [InlineData(1.0, 2.0, "last touch at 2026-11-22T16:00:00.000Z, decayed from 10")]
    public void Latest_with_steps_says_within_the_first_step_while_it_has_not_passed(double firstStepHours, double hoursAgo, string detail)
    {
        var rules = Set(Signal("touch", 10, Touches, count: CountModes.Latest, unit: "touch", decay: Steps((firstStepHours, 0.5), (1000, 0))));

        var line = Assert.Single(Score(rules, Subject(At(SignalTypes.Call, Now.AddHours(-hoursAgo)))).Breakdown);

        Assert.Equal(detail, line.Detail);
        Assert.Equal(hoursAgo > firstStepHours ? 5 : 10, line.Points);
        Assert.Equal(hoursAgo > firstStepHours ? 10 : null, line.BasePoints);
    }
}
