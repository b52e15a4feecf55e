using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace Crm.Client.Tests;

/// <summary><c>dotnet pack</c> of the SDK: README, XML docs and the dependency on the Crm.Contracts package.</summary>
public sealed class PackageTests
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Crm_Client_packs_with_its_readme_xml_docs_and_a_dependency_on_Crm_Contracts()
    {
        var output = Directory.CreateTempSubdirectory("crm-client-pack-");
        try
        {
            await PackAsync("contracts/Crm.Contracts/Crm.Contracts.csproj", output.FullName);
            await PackAsync("contracts/Crm.Client/Crm.Client.csproj", output.FullName);

            var client = Read(Single(output, "Crm.Client.*.nupkg"));
            Assert.Contains("README.md", client.Entries);
            Assert.Contains("lib/net10.0/Crm.Client.dll", client.Entries);
            Assert.Contains("lib/net10.0/Crm.Client.xml", client.Entries);
            Assert.Equal("README.md", client.Metadata("readme"));
            Assert.False(string.IsNullOrWhiteSpace(client.Metadata("description")));
            var version = client.Metadata("version");
            Assert.Matches(@"^\d+\.\d+\.\d+", version);
            var contractsDependency = Assert.Single(client.Dependencies, d => d.Id == "Crm.Contracts");
            Assert.Equal(version, contractsDependency.Version);
            Assert.Contains(client.Dependencies, d => d.Id == "Refit");

            var contracts = Read(Single(output, "Crm.Contracts.*.nupkg"));
            Assert.Equal(version, contracts.Metadata("version"));
            Assert.Contains("README.md", contracts.Entries);
            Assert.Contains("lib/net10.0/Crm.Contracts.xml", contracts.Entries);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string Single(DirectoryInfo directory, string pattern) =>
        Assert.Single(directory.GetFiles(pattern), f => !f.Name.EndsWith(".symbols.nupkg", StringComparison.Ordinal)).FullName;

    private static async Task PackAsync(string project, string output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No build servers left behind: the test stops what it starts.
        foreach (var argument in new[] { "pack", project, "-c", "Release", "-o", output, "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PackTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet pack {project} did not finish within {PackTimeout}.");
        }

        Assert.True(process.ExitCode == 0, $"dotnet pack {project} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
    }

    private static Package Read(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var nuspec = XDocument.Load(stream);
        return new Package(entries, nuspec);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
    }

    private sealed record Dependency(string Id, string Version);

    private sealed record Package(IReadOnlyList<string> Entries, XDocument Nuspec)
    {
        public string Metadata(string name) =>
            Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata").Elements().Single(e => e.Name.LocalName == name).Value;

        public IReadOnlyList<Dependency> Dependencies =>
            [.. Nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => new Dependency((string)e.Attribute("id")!, (string)e.Attribute("version")!))];
    }
}
