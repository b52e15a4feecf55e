using Crm.Analytics.Counters;
using Crm.Analytics.Summary;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Analytics.Tests;

public sealed class SummaryPeriodTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    [Fact]
    public void Defaults_to_the_last_30_days_up_to_today()
    {
        var errors = new ValidationErrors();

        var period = SummaryPeriod.Parse(null, null, Today, errors);

        Assert.True(errors.IsEmpty);
        Assert.Equal(new SummaryPeriod(new DateOnly(2026, 10, 24), Today), period);
        Assert.Equal(30, period!.Days);
    }

    [Fact]
    public void Only_to_given_means_the_30_days_up_to_it()
    {
        Assert.Equal(new SummaryPeriod(new DateOnly(2026, 1, 2), new DateOnly(2026, 1, 31)), SummaryPeriod.Parse(null, "2026-01-31", Today, new ValidationErrors()));
    }

    [Fact]
    public void Only_from_given_means_up_to_today()
    {
        Assert.Equal(new SummaryPeriod(new DateOnly(2026, 11, 1), Today), SummaryPeriod.Parse("2026-11-01", null, Today, new ValidationErrors()));
    }

    [Theory]
    [InlineData("2026-11-22", "2026-11-22", 1)]
    [InlineData("2025-11-22", "2026-11-22", 366)]
    [InlineData("2024-01-01", "2024-12-31", 366)]
    public void Accepts_one_to_366_days(string from, string to, int days)
    {
        var errors = new ValidationErrors();

        Assert.Equal(days, SummaryPeriod.Parse(from, to, Today, errors)!.Days);
        Assert.True(errors.IsEmpty);
    }

    [Theory]
    [InlineData("2026-13-01", null, "from")]
    [InlineData("22.11.2026", null, "from")]
    [InlineData("2026-11-22T00:00:00Z", null, "from")]
    [InlineData("", null, "from")]
    [InlineData("2026-2-1", null, "from")]
    [InlineData(null, "2026-02-30", "to")]
    [InlineData(null, "yesterday", "to")]
    [InlineData("2026-11-23", "2026-11-22", "from")]
    [InlineData("2025-11-21", "2026-11-22", "from")]
    [InlineData("2023-01-01", null, "from")]
    public void Rejects_bad_periods_naming_the_field(string? from, string? to, string field)
    {
        var errors = new ValidationErrors();

        Assert.Null(SummaryPeriod.Parse(from, to, Today, errors));

        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Names_both_fields_when_both_are_bad()
    {
        var errors = new ValidationErrors();

        SummaryPeriod.Parse("x", "y", Today, errors);

        Assert.Equal(["from", "to"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }
}

public sealed class SummaryBuilderTests
{
    private static readonly DateOnly D1 = new(2026, 11, 20);
    private static readonly DateOnly D2 = new(2026, 11, 22);

    [Fact]
    public void Sums_the_period_and_lists_the_days_with_data_in_order()
    {
        var counters = new[]
        {
            new DayCounter(D2, Metric.LeadsCaptured, "", 2),
            new DayCounter(D2, Metric.LeadsBySource, "ads-x", 2),
            new DayCounter(D2, Metric.LeadsByChannel, "web", 1),
            new DayCounter(D2, Metric.LeadsByChannel, "sms", 1),
            new DayCounter(D2, Metric.MessagesSent, "", 4),
            new DayCounter(D1, Metric.LeadsCaptured, "", 1),
            new DayCounter(D1, Metric.LeadsBySource, "ads-x", 1),
            new DayCounter(D1, Metric.LeadsByChannel, "web", 1),
            new DayCounter(D1, Metric.ScoredByGrade, "hot", 3),
            new DayCounter(D1, Metric.LeadsAssigned, "", 1),
        };

        var summary = SummaryBuilder.Build(new SummaryPeriod(new DateOnly(2026, 11, 1), D2), counters);

        Assert.Equal("2026-11-01", summary.From);
        Assert.Equal("2026-11-22", summary.To);
        Assert.Equal(3, summary.Totals.LeadsCaptured);
        Assert.Equal(new Dictionary<string, int> { ["ads-x"] = 3 }, summary.Totals.LeadsBySource);
        Assert.Equal(new Dictionary<string, int> { ["web"] = 2, ["sms"] = 1 }, summary.Totals.LeadsByChannel);
        Assert.Equal(new Dictionary<string, int> { ["hot"] = 3 }, summary.Totals.ScoredByGrade);
        Assert.Equal(1, summary.Totals.LeadsAssigned);
        Assert.Equal(4, summary.Totals.MessagesSent);

        Assert.Equal(["2026-11-20", "2026-11-22"], summary.Days.Select(d => d.Date));
        Assert.Equal(1, summary.Days[0].Counts.LeadsCaptured);
        Assert.Equal(3, summary.Days[0].Counts.ScoredByGrade["hot"]);
        Assert.Equal(0, summary.Days[0].Counts.MessagesSent);
        Assert.Equal(2, summary.Days[1].Counts.LeadsCaptured);
        Assert.Empty(summary.Days[1].Counts.ScoredByGrade);
        Assert.Equal(4, summary.Days[1].Counts.MessagesSent);
    }

    [Fact]
    public void An_empty_period_has_zero_totals_and_no_days()
    {
        var summary = SummaryBuilder.Build(new SummaryPeriod(D1, D2), []);

        Assert.Equal(0, summary.Totals.LeadsCaptured);
        Assert.Empty(summary.Totals.LeadsBySource);
        Assert.Empty(summary.Days);
    }

    [Fact]
    public void Counters_outside_the_period_are_ignored()
    {
        var summary = SummaryBuilder.Build(new SummaryPeriod(D2, D2), [new DayCounter(D1, Metric.LeadsAssigned, "", 5), new DayCounter(D2, Metric.LeadsAssigned, "", 1)]);

        Assert.Equal(1, summary.Totals.LeadsAssigned);
        Assert.Equal(["2026-11-22"], summary.Days.Select(d => d.Date));
    }
}
