using System.Diagnostics;
using System.Text;
using Crm.Testing;
using Xunit.Abstractions;

namespace Crm.OpenApi.Tests;

/// <summary>
/// The merged document passes the pinned linter (<c>tools/openapi-lint</c>: <c>@redocly/cli</c> with the recommended
/// ruleset) with no error. The linter runs as a real process; without Node.js or without <c>npm ci</c> having been run
/// this test fails (it never skips): <c>./crm test</c> installs both.
/// </summary>
[Collection(PlatformDocumentCollection.Name)]
public sealed class OpenApiLintTests(PlatformDocument platform, ITestOutputHelper output)
{
    [Fact]
    public async Task The_merged_document_has_no_lint_errors()
    {
        var tool = Path.Combine(RepositoryRoot(), "tools", "openapi-lint");
        var redocly = Path.Combine(tool, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: run `npm ci` in {tool} (./crm test does, after installing Node.js and npm).");

        using var temp = new TempDirectory("crm-openapi-lint");
        var file = Path.Combine(temp.Path, "openapi.json");
        await File.WriteAllTextAsync(file, platform.Merged.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

        var (exitCode, text) = await RunAsync(tool, "node", [redocly, "lint", file, "--config", Path.Combine(tool, "redocly.yaml"), "--format", "stylish"]);
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"redocly lint exited {exitCode}:\n{text}");
        Assert.Contains("Woohoo! Your API description is valid.", text, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string directory, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"Node.js is not installed ({fileName}: {ex.Message}): ./crm test installs the Debian packages nodejs and npm.");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException("redocly lint did not finish within 3 minutes.");
            }

            var text = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
            return (process.ExitCode, text);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Crm.slnx above {AppContext.BaseDirectory}.");
    }
}
