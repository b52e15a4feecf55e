using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Engagement and fit apart, the breakdown, clamping and grades with hysteresis.</summary>
public sealed class ScoreOutcomeTests
{
    private static readonly GradeThresholds Grades = new() { HotAbove = 20, WarmAbove = 10, Hysteresis = 2 };

    private static readonly ScoringRuleSet Mixed = Set(
        Fit("has-budget", 6, FitTests.BudgetAtLeast) with { MinAmount = 100 },
        Signal("pages", 2, [SignalTypes.PageView], unit: "page"),
        Fit("wrong-region", -3, FitTests.ValueIn) with { Field = ScoringFields.Region, Values = ["mars"] },
        Signal("abandoned", -4, [SignalTypes.CartAbandon]),
        Fit("has-phone", 5, FitTests.Complete) with { Fields = [ScoringFields.Phone] },
        Signal("orders", 9, [SignalTypes.Order]));

    [Fact]
    public void Breakdown_in_rule_order_only_rules_with_points_and_sums_to_engagement_plus_fit()
    {
        var subject = new ScoringSubject
        {
            BudgetAmount = 250,
            Phone = "+4915112345678",
            Region = "emea",
            Signals = [At(SignalTypes.Order, Now.AddDays(-2)), At(SignalTypes.PageView, Now, 5), At(SignalTypes.CartAbandon, Now.AddHours(-1))],
        };

        var outcome = Score(Mixed, subject);

        Assert.Equal(["has-budget", "pages", "abandoned", "has-phone", "orders"], outcome.Breakdown.Select(l => l.Rule));
        Assert.Equal([6, 10, -4, 5, 9], outcome.Breakdown.Select(l => l.Points));
        Assert.Equal(15, outcome.Engagement);
        Assert.Equal(11, outcome.Fit);
        Assert.Equal(26, outcome.Score);
        Assert.Equal(outcome.Engagement + outcome.Fit, outcome.Breakdown.Sum(l => l.Points));
        Assert.Equal(outcome.Engagement, outcome.Breakdown.Where(l => l.Part == ScoreParts.Engagement).Sum(l => l.Points));
        Assert.Equal(outcome.Fit, outcome.Breakdown.Where(l => l.Part == ScoreParts.Fit).Sum(l => l.Points));
        Assert.Equal(Grade.Hot, outcome.Grade);
    }

    [Fact]
    public void Negative_points_lower_the_score_which_is_clamped_at_zero()
    {
        var subject = new ScoringSubject { Region = "Mars", Signals = [At(SignalTypes.CartAbandon, Now, 3), At(SignalTypes.PageView, Now)] };

        var outcome = Score(Mixed, subject);

        Assert.Equal(-10, outcome.Engagement);   // 2 - 12
        Assert.Equal(-3, outcome.Fit);
        Assert.Equal(0, outcome.Score);
        Assert.Equal(Grade.Cold, outcome.Grade);
        Assert.Equal("3 signals x -4", outcome.Breakdown.Single(l => l.Rule == "abandoned").Detail);
        Assert.Equal("region is Mars", outcome.Breakdown.Single(l => l.Rule == "wrong-region").Detail);
    }

    [Fact]
    public void Score_is_clamped_to_max_score_while_the_lines_keep_their_points()
    {
        var rules = Set(Signal("pages", 7, [SignalTypes.PageView])) with { MaxScore = 50 };

        var outcome = Score(rules, Subject(At(SignalTypes.PageView, Now, 10)));

        Assert.Equal(50, outcome.Score);
        Assert.Equal(70, outcome.Engagement);
        Assert.Equal(70, Assert.Single(outcome.Breakdown).Points);
    }

    [Theory]
    // no previous grade: strictly above the thresholds
    [InlineData(21, null, Grade.Hot)]
    [InlineData(20, null, Grade.Warm)]
    [InlineData(11, null, Grade.Warm)]
    [InlineData(10, null, Grade.Cold)]
    [InlineData(0, null, Grade.Cold)]
    // moving up always at the thresholds
    [InlineData(11, Grade.Cold, Grade.Warm)]
    [InlineData(10, Grade.Cold, Grade.Cold)]
    [InlineData(21, Grade.Cold, Grade.Hot)]
    [InlineData(21, Grade.Warm, Grade.Hot)]
    [InlineData(20, Grade.Warm, Grade.Warm)]
    // moving down only at threshold - hysteresis or below
    [InlineData(20, Grade.Hot, Grade.Hot)]
    [InlineData(19, Grade.Hot, Grade.Hot)]
    [InlineData(18, Grade.Hot, Grade.Warm)]
    [InlineData(9, Grade.Hot, Grade.Warm)]
    [InlineData(8, Grade.Hot, Grade.Cold)]
    [InlineData(10, Grade.Warm, Grade.Warm)]
    [InlineData(9, Grade.Warm, Grade.Warm)]
    [InlineData(8, Grade.Warm, Grade.Cold)]
    public void Grades_have_hysteresis(int score, Grade? previous, Grade expected)
    {
        Assert.Equal(expected, ScoreEngine.GradeOf(score, Grades, previous));
    }

    [Fact]
    public void Zero_hysteresis_is_plain_thresholds()
    {
        var plain = Grades with { Hysteresis = 0 };

        Assert.Equal(Grade.Warm, ScoreEngine.GradeOf(20, plain, Grade.Hot));
        Assert.Equal(Grade.Cold, ScoreEngine.GradeOf(10, plain, Grade.Warm));
    }

    [Theory]
    [InlineData(null, Grade.Warm)]
    [InlineData(Grade.Hot, Grade.Hot)]
    [InlineData(Grade.Cold, Grade.Warm)]
    public void Score_uses_the_previous_grade(Grade? previous, Grade expected)
    {
        var rules = Set(Signal("pages", 1, [SignalTypes.PageView]));

        Assert.Equal(expected, Score(rules, Subject(At(SignalTypes.PageView, Now, 19)), previous: previous).Grade);
    }

    [Fact]
    public void Rule_with_zero_points_or_an_unknown_kind_gives_nothing()
    {
        var rules = Set(
            Signal("zero", 0, [SignalTypes.PageView]),
            Signal("odd", 5, [SignalTypes.PageView]) with { Kind = "other" },
            Signal("odd-count", 5, [SignalTypes.PageView], count: "sometimes"),
            Fit("odd-test", 5, "maybe"));

        var outcome = Score(rules, Subject(At(SignalTypes.PageView, Now)));

        Assert.Empty(outcome.Breakdown);
        Assert.Equal(0, outcome.Score);
    }
}
