using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Gateway.Dashboard;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>
/// The dashboard the gateway serves at <c>/dashboard/</c>: public files with a strict content security policy, nothing
/// loaded from outside the gateway, chart.js exactly the version <c>package-lock.json</c> pins; and the live stream
/// it reads (<c>GET /api/analytics/live</c>) passes through the proxy event by event.
/// </summary>
public sealed partial class DashboardTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static string DashboardFolder => Path.Combine(RepositoryRoot(), "gateway", "Crm.Gateway", "Dashboard");

    [Fact]
    public async Task The_page_and_every_file_it_names_are_served_without_a_credential_under_a_strict_policy()
    {
        using var client = fixture.Gateway.Api(apiKey: null);

        using var page = await client.GetAsync(new Uri("/dashboard/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DashboardPage.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("script-src 'self'", DashboardPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", DashboardPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await page.Content.ReadAsStringAsync();
        var referenced = ReferencedFile().Matches(html).Select(m => m.Groups["file"].Value).ToList();
        Assert.Equal(["dashboard.css", "vendor/chart.umd.min.js", "dashboard.js"], referenced);
        foreach (var (file, type) in referenced.Zip(["text/css", "text/javascript", "text/javascript"]))
        {
            using var response = await client.GetAsync(new Uri($"/dashboard/{file}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(new FileInfo(Path.Combine(DashboardFolder, "wwwroot", file)).Length, (await response.Content.ReadAsByteArrayAsync()).LongLength);
        }

        // The bare path is redirected to the page (the client follows); the backend saw none of it.
        using var bare = await client.GetAsync(new Uri("/dashboard", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        Assert.Equal("/dashboard/", bare.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.DoesNotContain(fixture.Backend.Requests, r => r.Path.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/dashboard/nothing.js")]
    [InlineData("/dashboard/../appsettings.json")]
    [InlineData("/dashboard/%2e%2e/Crm.Gateway.dll")]
    [InlineData("/dashboard/vendor/chart.js.LICENSE")]
    public async Task Anything_else_under_the_page_is_a_404_problem(string path)
    {
        using var client = fixture.Gateway.Api(apiKey: null);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void The_page_loads_nothing_from_outside_the_gateway_and_puts_no_credential_in_a_url()
    {
        foreach (var file in new[] { "index.html", "dashboard.js", "dashboard.css" })
        {
            var text = File.ReadAllText(Path.Combine(DashboardFolder, "wwwroot", file));
            Assert.DoesNotMatch(ExternalUrl(), text);
            Assert.DoesNotContain("localStorage", text, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", text, StringComparison.Ordinal);
        }

        var script = File.ReadAllText(Path.Combine(DashboardFolder, "wwwroot", "dashboard.js"));
        Assert.Contains("sessionStorage", script, StringComparison.Ordinal);
        Assert.Contains("Authorization: `Bearer ${state.credential}`", script, StringComparison.Ordinal);
        Assert.DoesNotMatch(CredentialInUrl(), script);
    }

    [Fact]
    public void The_committed_chart_js_is_the_file_of_the_version_the_lock_file_pins()
    {
        var package = JsonNode.Parse(File.ReadAllText(Path.Combine(DashboardFolder, "package.json")))!;
        var locked = JsonNode.Parse(File.ReadAllText(Path.Combine(DashboardFolder, "package-lock.json")))!;
        var pinned = (string?)package["devDependencies"]!["chart.js"];
        var version = (string?)locked["packages"]!["node_modules/chart.js"]!["version"];
        Assert.Equal("4.6.1", pinned);
        Assert.Equal(pinned, version);

        var committed = File.ReadAllBytes(Path.Combine(DashboardFolder, "wwwroot", "vendor", "chart.umd.min.js"));
        Assert.Contains($"Chart.js v{version}", System.Text.Encoding.UTF8.GetString(committed, 0, 200), StringComparison.Ordinal);
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(DashboardFolder, "wwwroot", "vendor", "chart.js.LICENSE.txt")), StringComparison.Ordinal);

        // The installed package (npm ci in gateway/Crm.Gateway/Dashboard, done by ./crm test) holds the same bytes.
        var installed = Path.Combine(DashboardFolder, "node_modules", "chart.js");
        Assert.True(Directory.Exists(installed), $"{installed} is missing: run `npm ci` in {DashboardFolder} (./crm test does)");
        Assert.Equal(version, (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(installed, "package.json")))!["version"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(installed, "dist", "chart.umd.min.js")), committed);
    }

    [Fact]
    public async Task The_live_stream_passes_the_gateway_event_by_event_without_the_request_timeout()
    {
        // A backend that sends one event, then holds the stream open until the test has read it through the gateway:
        // a buffering proxy would deliver nothing until the end.
        await using var backend = await StreamingBackend.StartAsync();
        await using var gateway = GatewayFactory.StartOnSockets(backend.Address, new Dictionary<string, string?> { ["Gateway:Timeouts:standard"] = "00:00:00.500" });
        using var client = gateway.HttpOnSockets();

        using var response = await client.GetAsync(new Uri("/api/analytics/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        await using var items = SseParser.Create(stream).EnumerateAsync().GetAsyncEnumerator();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(deadline.Token));
        Assert.Equal(("rate", "1"), (items.Current.EventType, items.Current.Data));

        // Longer than the standard route timeout (shortened to 0.5 s here): the stream route has its own.
        await Task.Delay(TimeSpan.FromSeconds(1.5), deadline.Token);
        backend.Release();
        Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(deadline.Token));
        Assert.Equal(("rate", "2"), (items.Current.EventType, items.Current.Data));
    }

    [GeneratedRegex("""(?:href|src)="(?<file>[^"]+)""")]
    private static partial Regex ReferencedFile();

    [GeneratedRegex("""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();

    [GeneratedRegex("""[?&](?:key|token|credential|apiKey|access_token)=""", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialInUrl();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Crm.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Crm.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A loopback server whose <c>/api/analytics/live</c> sends event 1, waits for <see cref="Release"/>, sends event 2 and ends.</summary>
    private sealed class StreamingBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private StreamingBackend(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public void Release() => _released.TrySetResult();

        public static async Task<StreamingBackend> StartAsync()
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var backend = new StreamingBackend(app, new Uri($"http://127.0.0.1:{port}/"));
            app.MapGet("/api/analytics/live", async (HttpContext context) =>
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("event: rate\ndata: 1\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await backend._released.Task.WaitAsync(context.RequestAborted);
                await context.Response.WriteAsync("event: rate\ndata: 2\n\n", context.RequestAborted);
            });
            await app.StartAsync();
            return backend;
        }

        public async ValueTask DisposeAsync()
        {
            _released.TrySetResult();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
