using System.Text.Json;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>The seed rule as data: same numbers and texts as before, valid, and its JSON shape.</summary>
public sealed class DefaultScoringRulesTests
{
    private static readonly ScoringRuleSet Seed = DefaultScoringRules.For(new ScoringOptions());

    private static readonly ScoringSubject Ana = new()
    {
        Name = "Ana Lima",
        Email = "ana@example.com",
        Phone = "+4915112345678",
        Signals = [At(SignalTypes.Interaction, Now.AddHours(-2)), At(SignalTypes.CapturedPages, Now, 4)],
    };

    [Fact]
    public void Seed_rules_in_order_with_their_settings()
    {
        Assert.Equal(1, Seed.Version);
        Assert.Equal(100, Seed.MaxScore);
        Assert.Equal(new GradeThresholds { HotAbove = 20, WarmAbove = 10, Hysteresis = 2 }, Seed.Grades);
        Assert.Equal(["recent-interaction", "complete-data", "pages-visited"], Seed.Rules.Select(r => r.Name));

        var recent = Seed.Rules[0];
        Assert.Equal((RuleKinds.Signal, CountModes.Latest, 10, "interaction"), (recent.Kind, recent.Count, recent.Points, recent.Unit));
        Assert.Equal(SignalTypes.Known.Except([SignalTypes.CapturedPages, SignalTypes.RepeatCapture]), recent.Types);
        Assert.Equal(new DecayStep { AfterHours = 24, Factor = 0 }, Assert.Single(recent.Decay!.Steps!));
        Assert.Null(recent.Decay.HalfLifeHours);

        var complete = Seed.Rules[1];
        Assert.Equal((RuleKinds.Fit, FitTests.Complete, 5), (complete.Kind, complete.Test, complete.Points));
        Assert.Equal(["name", "email", "phone"], complete.Fields!);

        var pages = Seed.Rules[2];
        Assert.Equal((RuleKinds.Signal, CountModes.Each, 3, "page"), (pages.Kind, pages.Count, pages.Points, pages.Unit));
        Assert.Equal([SignalTypes.CapturedPages, SignalTypes.PageView], pages.Types!);
        Assert.Null(pages.DailyCap);
        Assert.Null(pages.Decay);
    }

    [Fact]
    public void Seed_example_reproduces_the_seed_numbers_and_texts()
    {
        var outcome = ScoreEngine.Score(Ana, Seed, Now, null);

        Assert.Equal(27, outcome.Score);
        Assert.Equal(22, outcome.Engagement);
        Assert.Equal(5, outcome.Fit);
        Assert.Equal(Grade.Hot, outcome.Grade);
        Assert.Equal(
            [
                new ScoreItem("recent-interaction", 10, "last interaction at 2026-11-22T16:00:00.000Z, within 24 h") { Part = "engagement", At = Now.AddHours(-2) },
                new ScoreItem("complete-data", 5, "name, e-mail and phone given") { Part = "fit" },
                new ScoreItem("pages-visited", 12, "4 pages x 3") { Part = "engagement", At = Now },
            ],
            outcome.Breakdown);
        Assert.Equal(Now.AddHours(22) + TimeSpan.FromMilliseconds(1), outcome.NextReviewAt);
    }

    [Fact]
    public void Wrapper_scores_a_capture_like_the_engine()
    {
        var input = new ScoringInput { Name = Ana.Name, Email = Ana.Email, Phone = Ana.Phone, PagesVisited = 4, LastInteractionAt = Now.AddHours(-2) };

        var result = LeadScorer.Score(input, Now, new ScoringOptions());

        Assert.Equal(ScoreEngine.Score(Ana, Seed, Now, null).Breakdown, result.Reasons);
    }

    [Theory]
    [InlineData(SignalTypes.Order, 10)]
    [InlineData(SignalTypes.EmailOpen, 10)]
    [InlineData(SignalTypes.PageView, 13)]        // also a page
    [InlineData(SignalTypes.RepeatCapture, 0)]
    [InlineData(SignalTypes.CapturedPages, 3)]    // a page, not an interaction
    public void Any_interaction_but_captured_pages_and_repeat_capture_is_recent(string type, int score)
    {
        Assert.Equal(score, ScoreEngine.Score(Subject(At(type, Now.AddHours(-1))), Seed, Now, null).Score);
    }

    [Fact]
    public void Page_views_and_captured_pages_add_up()
    {
        var outcome = ScoreEngine.Score(Subject(At(SignalTypes.CapturedPages, Now.AddDays(-9), 4), At(SignalTypes.PageView, Now.AddDays(-40), 2)), Seed, Now, null);

        Assert.Equal("6 pages x 3", Assert.Single(outcome.Breakdown).Detail);
        Assert.Equal(18, outcome.Score);
        Assert.Null(outcome.NextReviewAt);
    }

    [Theory]
    [InlineData(20, 10, 2)]
    [InlineData(5, 1, 1)]
    [InlineData(5, 0, 0)]
    public void Seed_is_valid_for_any_valid_options(int hot, int warm, int hysteresis)
    {
        var rules = DefaultScoringRules.For(new ScoringOptions { HotAbove = hot, WarmAbove = warm });

        Assert.Equal(hysteresis, rules.Grades.Hysteresis);
        Assert.True(ScoringRuleSetValidation.Validate(rules).IsEmpty);
    }

    [Fact]
    public void Json_is_camel_case_and_a_rule_set_read_from_json_scores()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var json = JsonSerializer.Serialize(Seed, web);

        Assert.Contains("\"grades\":{\"hotAbove\":20,\"warmAbove\":10,\"hysteresis\":2}", json, StringComparison.Ordinal);
        Assert.Contains("\"decay\":{\"halfLifeHours\":null,\"steps\":[{\"afterHours\":24,\"factor\":0}]}", json, StringComparison.Ordinal);
        Assert.Contains("\"maxScore\":100", json, StringComparison.Ordinal);

        const string custom = """
            {
              "rules": [
                { "name": "downloads", "kind": "signal", "points": 4, "types": ["download"], "dailyCap": 8, "unit": "download",
                  "decay": { "halfLifeHours": 24 } },
                { "name": "big-budget", "kind": "fit", "points": 10, "test": "budget-at-least", "minAmount": 1000 }
              ],
              "grades": { "hotAbove": 15, "warmAbove": 5, "hysteresis": 1 },
              "maxScore": 50
            }
            """;
        var rules = JsonSerializer.Deserialize<ScoringRuleSet>(custom, web)!;
        Assert.True(ScoringRuleSetValidation.Validate(rules).IsEmpty);

        var outcome = ScoreEngine.Score(new ScoringSubject { BudgetAmount = 2500, Signals = [At(SignalTypes.Download, Now, 3)] }, rules, Now, null);

        Assert.Equal(18, outcome.Score);
        Assert.Equal(Grade.Hot, outcome.Grade);
        Assert.Equal(["3 downloads x 4, capped at 8 a day", "budget 2500 at least 1000"], outcome.Breakdown.Select(l => l.Detail));
    }
}
