using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Dashboard.Tests;

/// <summary>
/// <c>./crm demo</c>'s tool (<c>tools/Crm.Demo</c>, run as its own process) against the whole platform as real processes:
/// every request it makes is accepted (the pipeline's exit criteria met, every channel valid, every capture time within
/// Leads' window, every inbound e-mail signed with Messaging's secret), the leads it says it created are the ones
/// Analytics counts, on many days of the dashboard's default 30, and its conversations give the service KPI its CSAT.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class DemoTests(Platform platform, ITestOutputHelper output)
{
    [Fact]
    public async Task The_demo_fills_the_platform_through_the_api_without_a_refused_request()
    {
        var dll = Path.Combine(RepositoryRoot(), "tools", "Crm.Demo", "bin", BuildConfiguration, "net10.0", "Crm.Demo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first");

        // The dashboard's default period: the last 30 UTC days, today included (the demo spreads its captures over them).
        var todayDate = DateOnly.FromDateTime(DateTime.UtcNow);
        var today = todayDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var from = todayDate.AddDays(-29).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var before = (await platform.Api.GetAnalyticsSummaryAsync(from, today)).Content!.Totals.LeadsCaptured;
        var csatBefore = await CsatResponsesAsync(today);

        var (exitCode, text) = await ProcessHost.RunAsync(
            "dotnet",
            [dll, "--gateway", platform.Gateway.ToString(), "--key", Platform.ApiKey, "--leads", "60", "--seed", "3", "--email-inbound-secret", Platform.EmailInboundSecret],
            timeout: TimeSpan.FromMinutes(4));
        output.WriteLine(text);

        Assert.True(exitCode == 0, text);
        Assert.DoesNotContain("refused:", text, StringComparison.Ordinal);
        var summary = Summary().Match(text);
        Assert.True(summary.Success, text);
        var created = int.Parse(summary.Groups["new"].Value, CultureInfo.InvariantCulture);
        Assert.True(created >= 45, text);
        Assert.True(int.Parse(summary.Groups["repeats"].Value, CultureInfo.InvariantCulture) > 0, text);
        Assert.True(int.Parse(summary.Groups["won"].Value, CultureInfo.InvariantCulture) > 0, text);
        Assert.True(int.Parse(summary.Groups["orders"].Value, CultureInfo.InvariantCulture) > 0, text);
        Assert.True(int.Parse(summary.Groups["lost"].Value, CultureInfo.InvariantCulture) > 0, text);
        var spread = Spread().Match(text);
        Assert.True(spread.Success, text);
        Assert.True(int.Parse(spread.Groups["days"].Value, CultureInfo.InvariantCulture) >= 10, text);
        // Within the dashboard's default 30 days, none in the future (ISO dates compare as text).
        Assert.True(string.CompareOrdinal(spread.Groups["first"].Value, from) >= 0, text);
        Assert.True(string.CompareOrdinal(spread.Groups["last"].Value, today) <= 0, text);
        var conversations = Conversations().Match(text);
        Assert.True(conversations.Success, text);
        Assert.True(int.Parse(conversations.Groups["conversations"].Value, CultureInfo.InvariantCulture) >= 3, text);
        Assert.True(int.Parse(conversations.Groups["resolved"].Value, CultureInfo.InvariantCulture) > 0, text);
        var rated = int.Parse(conversations.Groups["rated"].Value, CultureInfo.InvariantCulture);
        Assert.True(rated > 0, text);

        // Every new lead counted in the 30 days, on many of them (not all today), from several channels.
        await Poll.UntilAsync(
            async () => (await platform.Api.GetAnalyticsSummaryAsync(from, today)).Content is { } s && s.Totals.LeadsCaptured == before + created && s.Totals.LeadsByChannel.Count >= 6
                        && s.Days.Count(d => d.Counts.LeadsCaptured > 0) >= 10,
            $"Analytics to count the {created} new leads on several channels and days",
            TimeSpan.FromSeconds(90));

        // The lead KPIs see the capture times too: the conversion KPI (by capture day) has rows on many days, not one.
        await Poll.UntilAsync(
            async () => (await platform.Api.GetAnalyticsKpiAsync("conversion", from: from, to: today, granularity: "day")).Content is { } kpi
                        && kpi.Rows.Where(r => r.Values.GetValueOrDefault("leads") > 0).Select(r => r.Period).Distinct().Count() >= 10,
            "the conversion KPI to have rows on at least ten capture days",
            TimeSpan.FromSeconds(60));

        // The CSAT scores recorded now count today: the service KPI's widget shows figures instead of "–".
        await Poll.UntilAsync(async () => await CsatResponsesAsync(today) == csatBefore + rated, $"the service KPI to count the {rated} CSAT scores", TimeSpan.FromSeconds(60));
        var service = (await platform.Api.GetAnalyticsKpiAsync("service", from: today, to: today)).Content!;
        Assert.InRange(service.Totals.Values["csatAverage"] ?? 0, 1m, 5m);
    }

    private async Task<decimal> CsatResponsesAsync(string day) =>
        (await platform.Api.GetAnalyticsKpiAsync("service", from: day, to: day)).Content?.Totals.Values.GetValueOrDefault("csatResponses") ?? 0;

    [GeneratedRegex(@"captured \d+ leads: (?<new>\d+) new, (?<repeats>\d+) recorded .*; (?<won>\d+) won with (?<orders>\d+) orders, (?<lost>\d+) lost")]
    private static partial Regex Summary();

    [GeneratedRegex(@"captures spread over (?<days>\d+) days \((?<first>\d{4}-\d{2}-\d{2}) to (?<last>\d{4}-\d{2}-\d{2}), UTC\)")]
    private static partial Regex Spread();

    [GeneratedRegex(@"conversations: (?<conversations>\d+) from inbound e-mails, (?<replies>\d+) replies, (?<resolved>\d+) resolved, (?<rated>\d+) rated")]
    private static partial Regex Conversations();

    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
    }
}
