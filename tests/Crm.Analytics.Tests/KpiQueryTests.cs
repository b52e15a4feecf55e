using Crm.Analytics.Kpis;
using Crm.Analytics.ReadModels;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Analytics.Tests;

public sealed class KpiQueryTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    [Fact]
    public void Defaults_are_the_last_30_days_by_day_ungrouped()
    {
        var query = Parse("conversion", []);

        Assert.Equal((new DateOnly(2026, 10, 24), Today, Granularity.Day, (string?)null), (query.From, query.To, query.Granularity, query.GroupBy));
        Assert.Equal((true, (IReadOnlyList<string>?)null, true, 90, "EUR"), (query.Strict, query.Stages, query.FirstTouch, query.Days, query.Currency));
    }

    [Fact]
    public void Reads_every_parameter_of_its_kpi()
    {
        var funnel = Parse("funnel", new() { ["from"] = "2026-11-01", ["to"] = "2026-11-30", ["granularity"] = "week", ["groupBy"] = "team", ["mode"] = "any", ["stages"] = "new, qualified,won" });
        var revenue = Parse("revenue-by-campaign", new() { ["touch"] = "last", ["currency"] = "USD" });
        var retention = Parse("retention", new() { ["days"] = "45", ["granularity"] = "month" });

        Assert.Equal((Granularity.Week, "team", false), (funnel.Granularity, funnel.GroupBy, funnel.Strict));
        Assert.Equal(["new", "qualified", "won"], funnel.Stages!);
        Assert.Equal((false, "USD", "campaign"), (revenue.FirstTouch, revenue.Currency, revenue.GroupBy));
        Assert.Equal(45, retention.Days);
    }

    [Theory]
    [InlineData("conversion", "granularity=hour", "granularity")]
    [InlineData("conversion", "groupBy=segments", "groupBy")]
    [InlineData("rep-activity", "groupBy=segment", "groupBy")]
    [InlineData("messages", "groupBy=segment", "groupBy")]
    [InlineData("service", "groupBy=segment", "groupBy")]
    [InlineData("cac", "granularity=month&groupBy=segment", "groupBy")]
    [InlineData("revenue-by-campaign", "groupBy=segment", "groupBy")]
    [InlineData("rep-activity", "groupBy=channel", "groupBy")]
    [InlineData("conversion", "mode=any", "mode")]
    [InlineData("funnel", "mode=loose", "mode")]
    [InlineData("funnel", "stages=a,,b", "stages")]
    [InlineData("funnel", "stages=a,a", "stages")]
    [InlineData("revenue-by-campaign", "touch=middle", "touch")]
    [InlineData("retention", "days=0", "days")]
    [InlineData("retention", "days=ninety", "days")]
    [InlineData("aov", "currency=eur", "currency")]
    [InlineData("cac", "granularity=week", "granularity")]
    [InlineData("cac", "", "granularity")]
    [InlineData("sla", "from=2026-11-31", "from")]
    public void Names_the_bad_parameter(string kpi, string query, string field)
    {
        var errors = new ValidationErrors();
        var parameters = query.Length == 0 ? [] : query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => (string?)p[1]);

        Assert.Null(KpiQuery.Parse(KpiCatalog.Find(kpi)!, parameters, Today, errors));

        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData("conversion")]
    [InlineData("cycle-length")]
    [InlineData("speed-to-lead")]
    [InlineData("funnel")]
    [InlineData("sla")]
    [InlineData("ltv")]
    [InlineData("aov")]
    [InlineData("retention")]
    public void The_lead_and_customer_kpis_group_by_segment(string kpi)
    {
        Assert.Equal("segment", Parse(kpi, new() { ["groupBy"] = "segment" }).GroupBy);
    }

    [Fact]
    public void Names_every_bad_parameter_at_once()
    {
        var errors = new ValidationErrors();

        KpiQuery.Parse(KpiCatalog.Find("funnel")!, new Dictionary<string, string?> { ["to"] = "x", ["granularity"] = "year", ["groupBy"] = "x", ["mode"] = "x", ["days"] = "3" }, Today, errors);

        Assert.Equal(["days", "granularity", "groupBy", "mode", "to"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_kpi_reads_one_read_model()
    {
        Assert.Equal(13, KpiCatalog.All.Count);
        Assert.All(KpiCatalog.All, k => Assert.Contains(k.ReadModel, new[] { ReadModel.LeadFacts, ReadModel.Customers, ReadModel.MessageFacts, ReadModel.Counters }));
    }

    private static KpiQuery Parse(string kpi, Dictionary<string, string?> parameters)
    {
        var errors = new ValidationErrors();
        var query = KpiQuery.Parse(KpiCatalog.Find(kpi)!, parameters, Today, errors);
        Assert.True(errors.IsEmpty, string.Join(", ", errors.ToDictionary().Keys));
        return query!;
    }
}

public sealed class KpiMathTests
{
    [Theory]
    [InlineData("2026-11-22", "day", "2026-11-22")]
    [InlineData("2026-11-22", "week", "2026-11-16")]
    [InlineData("2026-11-16", "week", "2026-11-16")]
    [InlineData("2026-11-01", "week", "2026-10-26")]
    [InlineData("2026-11-22", "month", "2026-11-01")]
    public void A_day_falls_in_the_period_starting_on_its_day_monday_or_first_of_month(string day, string granularity, string period)
    {
        var g = Enum.Parse<Granularity>(granularity, ignoreCase: true);

        Assert.Equal(DateOnly.Parse(period, System.Globalization.CultureInfo.InvariantCulture), KpiMath.PeriodOf(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), g));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        decimal[] values = [15, 20, 35, 40, 50];

        Assert.Equal(35m, KpiMath.Percentile(values, 50));
        Assert.Equal(50m, KpiMath.Percentile(values, 90));
        Assert.Equal(15m, KpiMath.Percentile(values, 1));
        Assert.Equal(10m, KpiMath.Percentile([20m, 10m], 50));
        Assert.Null(KpiMath.Percentile([], 50));
    }

    [Fact]
    public void Rates_of_nothing_are_null_and_values_round_half_away_from_zero()
    {
        Assert.Null(KpiMath.Rate(0, 0));
        Assert.Equal(33.33m, KpiMath.Round(KpiMath.Rate(1, 3)));
        Assert.Equal(0.13m, KpiMath.Round(0.125m));
    }

    [Fact]
    public void Csv_fields_are_quoted_and_formulas_defused()
    {
        Assert.Equal("web", KpiCsv.Field("web"));
        Assert.Equal("\"a,b\"", KpiCsv.Field("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", KpiCsv.Field("say \"hi\""));
        Assert.Equal("'=1+1", KpiCsv.Field("=1+1"));
    }
}
