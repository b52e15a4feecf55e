using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Dashboard.Tests;

/// <summary>
/// <c>./crm demo</c>'s tool (<c>tools/Crm.Demo</c>, run as its own process) against the whole platform as real processes:
/// every request it makes is accepted (the pipeline's exit criteria met, every channel valid), and the leads it says
/// it created are the ones Analytics counts.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class DemoTests(Platform platform, ITestOutputHelper output)
{
    [Fact]
    public async Task The_demo_fills_the_platform_through_the_api_without_a_refused_request()
    {
        var dll = Path.Combine(RepositoryRoot(), "tools", "Crm.Demo", "bin", BuildConfiguration, "net10.0", "Crm.Demo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first");

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var before = (await platform.Api.GetAnalyticsSummaryAsync(today, today)).Content!.Totals.LeadsCaptured;

        var (exitCode, text) = await ProcessHost.RunAsync("dotnet", [dll, "--gateway", platform.Gateway.ToString(), "--key", Platform.ApiKey, "--leads", "60", "--seed", "3"], timeout: TimeSpan.FromMinutes(4));
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

        await Poll.UntilAsync(
            async () => (await platform.Api.GetAnalyticsSummaryAsync(today, today)).Content?.Totals is { } totals && totals.LeadsCaptured == before + created && totals.LeadsByChannel.Count >= 6,
            $"Analytics to count the {created} new leads on several channels",
            TimeSpan.FromSeconds(90));
    }

    [GeneratedRegex(@"captured \d+ leads: (?<new>\d+) new, (?<repeats>\d+) recorded .*; (?<won>\d+) won with (?<orders>\d+) orders, (?<lost>\d+) lost")]
    private static partial Regex Summary();

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
