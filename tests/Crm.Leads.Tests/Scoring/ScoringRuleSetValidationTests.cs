using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Validation names every bad field at once, with the request's field paths.</summary>
public sealed class ScoringRuleSetValidationTests
{
    private static IEnumerable<string> Keys(ScoringRuleSet rules) => ScoringRuleSetValidation.Validate(rules).ToDictionary().Keys.Order(StringComparer.Ordinal);

    [Fact]
    public void A_valid_rule_set_of_every_kind_has_no_errors()
    {
        var rules = Set(
            Signal("recent", 10, [SignalTypes.Call], count: CountModes.Latest, decay: Steps((24, 0.5), (72, 0))),
            Signal("pages", 3, [SignalTypes.PageView, SignalTypes.CapturedPages], dailyCap: 30, unit: "page", decay: HalfLife(48)),
            Signal("first-order", 20, [SignalTypes.Order], count: CountModes.Once),
            Fit("complete", 5, FitTests.Complete) with { Fields = [ScoringFields.Name, "fields.industry"] },
            Fit("budget", 10, FitTests.BudgetAtLeast) with { MinAmount = 0 },
            Fit("deciding", 7, FitTests.DecisionWithin) with { WithinDays = 30 },
            Fit("not-here", -100, FitTests.ValueIn) with { Field = ScoringFields.Region, Values = ["mars"] });

        Assert.Empty(Keys(rules));
    }

    [Fact]
    public void Every_bad_field_is_named_at_once()
    {
        var rules = new ScoringRuleSet
        {
            Rules =
            [
                Signal("Bad Name", 0, ["page-view", "teleport"], count: CountModes.Latest, dailyCap: 5, decay: new ScoreDecay
                {
                    Steps = [new DecayStep { AfterHours = 24, Factor = 0.5 }, new DecayStep { AfterHours = 12, Factor = 0.8 }, new DecayStep { AfterHours = 0, Factor = 1.5 }],
                }) with { MinAmount = 5 },
                Signal("dup", 101, [], count: "sometimes", unit: " ", decay: new ScoreDecay { HalfLifeHours = 0, Steps = [] }),
                Fit("dup", -101, FitTests.Complete) with { Fields = ["name", "shoe-size", "fields."], Types = [SignalTypes.Call] },
                Fit("budget", 5, FitTests.BudgetAtLeast) with { MinAmount = -1, WithinDays = 3 },
                Fit("deciding", 5, FitTests.DecisionWithin),
                Fit("segment", 5, FitTests.ValueIn) with { Field = "planet", Values = ["ok", " "] },
                Fit("guess", 5, "maybe"),
                new ScoringRule { Name = "odd", Kind = "other", Points = 5 },
                Signal("", 5, [SignalTypes.Call], dailyCap: 0, decay: new ScoreDecay()),
            ],
            Grades = new GradeThresholds { HotAbove = 5, WarmAbove = 5, Hysteresis = 6 },
            MaxScore = 0,
        };

        Assert.Equal(
            [
                "grades.hotAbove",
                "grades.hysteresis",
                "maxScore",
                "rules[0].dailyCap",
                "rules[0].decay.steps[1].afterHours",
                "rules[0].decay.steps[1].factor",
                "rules[0].decay.steps[2].afterHours",
                "rules[0].decay.steps[2].factor",
                "rules[0].minAmount",
                "rules[0].name",
                "rules[0].points",
                "rules[0].types[1]",
                "rules[1].count",
                "rules[1].decay",
                "rules[1].decay.halfLifeHours",
                "rules[1].decay.steps",
                "rules[1].points",
                "rules[1].types",
                "rules[1].unit",
                "rules[2].fields[1]",
                "rules[2].fields[2]",
                "rules[2].name",
                "rules[2].points",
                "rules[2].types",
                "rules[3].minAmount",
                "rules[3].withinDays",
                "rules[4].withinDays",
                "rules[5].field",
                "rules[5].values[1]",
                "rules[6].test",
                "rules[7].kind",
                "rules[8].dailyCap",
                "rules[8].decay",
                "rules[8].name",
            ],
            Keys(rules));
    }

    [Fact]
    public void Reasons_say_what_is_wrong()
    {
        var rules = Set(
            Signal("same", 5, [SignalTypes.Call]),
            Signal("same", 5, [SignalTypes.Call], count: CountModes.Once, dailyCap: 3));

        var errors = ScoringRuleSetValidation.Validate(rules).ToDictionary();

        Assert.Equal(["Already the name of rules[0]."], errors["rules[1].name"]);
        Assert.Equal(["Only when counting each signal."], errors["rules[1].dailyCap"]);
    }

    [Fact]
    public void At_most_50_rules()
    {
        var rules = Set([.. Enumerable.Range(0, 51).Select(i => Signal($"rule-{i}", 1, [SignalTypes.Call]))]);

        Assert.Equal(["rules"], Keys(rules));
        Assert.Empty(Keys(rules with { Rules = rules.Rules.Take(50).ToArray() }));
    }

    [Theory]
    [InlineData(10, 10, 0, "grades.hotAbove")]
    [InlineData(10, -1, 0, "grades.warmAbove")]
    [InlineData(20, 10, -1, "grades.hysteresis")]
    [InlineData(20, 10, 11, "grades.hysteresis")]
    public void Grades_need_hot_above_warm_at_least_zero_and_hysteresis_up_to_warm(int hot, int warm, int hysteresis, string key)
    {
        var rules = Set(Signal("pages", 3, [SignalTypes.PageView])) with { Grades = new GradeThresholds { HotAbove = hot, WarmAbove = warm, Hysteresis = hysteresis } };

        Assert.Contains(key, Keys(rules));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(1000, true)]
    [InlineData(1001, false)]
    [InlineData(-5, false)]
    public void Max_score_1_to_1000(int maxScore, bool valid)
    {
        Assert.Equal(valid, ScoringRuleSetValidation.Validate(Set(Signal("pages", 3, [SignalTypes.PageView])) with { MaxScore = maxScore }).IsEmpty);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("recent-interaction-2", true)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("a--b", false)]
    [InlineData("A", false)]
    [InlineData("a_b", false)]
    public void Names_are_lower_case_kebab(string name, bool valid)
    {
        Assert.Equal(valid, ScoringRuleSetValidation.Validate(Set(Signal(name, 3, [SignalTypes.PageView]))).IsEmpty);
        Assert.True(ScoringRuleSetValidation.Validate(Set(Signal(new string('a', 60), 3, [SignalTypes.PageView]))).IsEmpty);
        Assert.False(ScoringRuleSetValidation.Validate(Set(Signal(new string('a', 61), 3, [SignalTypes.PageView]))).IsEmpty);
    }
}
