using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Xunit;
using static Crm.Leads.Tests.Scoring.ScoringTestData;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Fit rules: complete, budget-at-least, decision-within and value-in, with their texts.</summary>
public sealed class FitRuleTests
{
    private static readonly ScoringSubject Ana = new()
    {
        Name = "Ana Lima",
        Email = "ana@example.com",
        Phone = "+4915112345678",
        Channel = "whatsapp",
        Region = "EMEA ",
        BudgetAmount = 5000.50m,
        DecisionDate = new DateOnly(2026, 12, 10),
        Fields = new Dictionary<string, string> { ["industry"] = "Retail", ["blank"] = "  " },
    };

    private static ScoreItem? Line(ScoringRule rule, ScoringSubject? subject = null) =>
        Score(Set(rule), subject ?? Ana).Breakdown.SingleOrDefault();

    [Fact]
    public void Complete_lists_the_fields_for_people()
    {
        var rule = Fit("complete", 8, FitTests.Complete) with
        {
            Fields = [ScoringFields.Name, ScoringFields.Email, ScoringFields.Phone, ScoringFields.DecisionDate, "fields.industry"],
        };

        var line = Line(rule);

        Assert.NotNull(line);
        Assert.Equal(8, line.Points);
        Assert.Equal("name, e-mail, phone, decision date and fields.industry given", line.Detail);
        Assert.Equal(ScoreParts.Fit, line.Part);
        Assert.Null(line.At);
        Assert.Null(line.BasePoints);
    }

    [Theory]
    [InlineData("budget", "budget given")]
    [InlineData("email", "e-mail given")]
    public void Complete_with_one_field(string field, string detail)
    {
        Assert.Equal(detail, Line(Fit("complete", 8, FitTests.Complete) with { Fields = [field] })?.Detail);
    }

    [Theory]
    [InlineData("interest")]        // not given
    [InlineData("fields.blank")]    // blank
    [InlineData("fields.missing")]
    [InlineData("campaign")]
    public void Complete_needs_every_field(string missing)
    {
        Assert.Null(Line(Fit("complete", 8, FitTests.Complete) with { Fields = [ScoringFields.Name, missing] }));
    }

    [Theory]
    [InlineData("1000", true)]
    [InlineData("5000.50", true)]
    [InlineData("5000.51", false)]
    public void Budget_at_least(string min, bool matches)
    {
        var rule = Fit("budget", 12, FitTests.BudgetAtLeast) with { MinAmount = decimal.Parse(min, System.Globalization.CultureInfo.InvariantCulture) };

        var line = Line(rule);

        Assert.Equal(matches, line is not null);
        if (matches)
        {
            Assert.Equal($"budget 5000.50 at least {min}", line!.Detail);
        }

        Assert.Null(Line(rule, Ana with { BudgetAmount = null }));
    }

    [Theory]
    [InlineData("2026-11-22", 0, true, "decision on 2026-11-22, within 0 days")]     // today
    [InlineData("2026-12-10", 30, true, "decision on 2026-12-10, within 30 days")]
    [InlineData("2026-12-22", 30, true, "decision on 2026-12-22, within 30 days")]   // the last day of the window
    [InlineData("2026-11-23", 1, true, "decision on 2026-11-23, within 1 day")]
    [InlineData("2026-12-23", 30, false, null)]                                     // beyond
    [InlineData("2026-11-21", 30, false, null)]                                     // past
    public void Decision_within_days_from_today_not_past(string date, int days, bool matches, string? detail)
    {
        var rule = Fit("deciding", 7, FitTests.DecisionWithin) with { WithinDays = days };

        var line = Line(rule, Ana with { DecisionDate = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(matches, line is not null);
        Assert.Equal(detail, line?.Detail);
        Assert.Null(Line(rule, Ana with { DecisionDate = null }));
    }

    [Theory]
    [InlineData("region", new[] { "apac", "emea" }, "region is EMEA")]
    [InlineData("fields.industry", new[] { "RETAIL" }, "fields.industry is Retail")]
    [InlineData("channel", new[] { "whatsapp", "sms" }, "channel is whatsapp")]
    [InlineData("budget", new[] { "5000.50" }, "budget is 5000.50")]
    [InlineData("region", new[] { "apac" }, null)]
    [InlineData("interest", new[] { "crm" }, null)]
    [InlineData("fields.missing", new[] { "x" }, null)]
    public void Value_in_ignores_case(string field, string[] values, string? detail)
    {
        var line = Line(Fit("segment", -4, FitTests.ValueIn) with { Field = field, Values = values });

        Assert.Equal(detail, line?.Detail);
        if (line is not null)
        {
            Assert.Equal(-4, line.Points);
        }
    }
}
