using Crm.Testing;
using Xunit;

namespace Crm.Deployment.Tests;

/// <summary>
/// The offline checks our machines can run: yamllint, docker-compose's own validation (no engine needed), and —
/// only where helm is installed — helm lint and template. No Docker engine, cluster, helm or skaffold runs here.
/// </summary>
public sealed class OfflineToolTests
{
    [Fact]
    public async Task Yamllint_accepts_charts_values_skaffold_and_compose()
    {
        var files = Directory.GetDirectories(Repo.PathOf("charts"))
            .SelectMany(chart => new[] { Path.Combine(chart, "Chart.yaml"), Path.Combine(chart, "values.yaml") })
            .Where(File.Exists)
            .Append(Repo.PathOf("skaffold.yaml"))
            .Append(Repo.PathOf("docker-compose.yml"))
            .ToList();

        var (exitCode, output) = await RunAsync("yamllint", ["-c", Repo.PathOf(".yamllint.yaml"), "-f", "parsable", .. files]);
        Assert.True(exitCode == 0, "yamllint:\n" + output);
    }

    [Fact]
    public async Task Docker_compose_accepts_the_compose_file()
    {
        var (exitCode, output) = await RunAsync("docker-compose", ["-f", Repo.PathOf("docker-compose.yml"), "config", "-q"]);
        Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(output), "docker-compose config -q:\n" + output);
    }

    [SkippableFact]
    public async Task Helm_lints_and_renders_every_chart()
    {
        Skip.If(Which("helm") is null, "helm is not installed on this machine (it cannot be installed from our registries): helm lint / helm template were not run; the values schemas and consistency checks above ran instead.");
        foreach (var chart in Repo.Deployables.Keys.Append("crm").Append("dev-infra"))
        {
            var path = Repo.PathOf("charts", chart);
            var build = await RunAsync("helm", ["dependency", "build", path]);
            Assert.True(build.ExitCode == 0, build.Output);
            var lint = await RunAsync("helm", ["lint", path]);
            Assert.True(lint.ExitCode == 0, lint.Output);
            var template = await RunAsync("helm", ["template", "crm", path]);
            Assert.True(template.ExitCode == 0, template.Output);
            foreach (var document in Repo.LoadYamlText(template.Output).Where(d => d is not null))
            {
                Assert.False(string.IsNullOrEmpty((string?)document!["apiVersion"]), template.Output);
                Assert.False(string.IsNullOrEmpty((string?)document["kind"]), template.Output);
                Assert.False(string.IsNullOrEmpty((string?)document["metadata"]?["name"]), template.Output);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> arguments)
    {
        var path = Which(tool) ?? throw new Xunit.Sdk.XunitException($"{tool} is not installed; `./crm test` installs it (Debian package).");
        return await ProcessHost.RunAsync(path, arguments, timeout: TimeSpan.FromSeconds(120));
    }

    private static string? Which(string tool) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
