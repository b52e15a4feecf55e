using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Gateway.OpenApi;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>
/// <c>/openapi.json</c> (the services' documents, fetched from each cluster and merged) and the reference page
/// <c>/docs</c>: public, and the page loads nothing from outside the gateway.
/// </summary>
public sealed partial class ApiDocumentationTests
{
    [Fact]
    public async Task The_merged_document_is_public_and_names_a_service_that_does_not_answer()
    {
        await using var services = await ServiceDocuments.StartAsync("contacts", "leads", "assignment", "analytics");
        await using var gateway = new GatewayFactory(services.Address("leads"), services.Settings(down: "messaging"));
        using var client = gateway.Api(apiKey: null);

        using var response = await client.GetAsync(new Uri(ApiDocumentation.DocumentPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("3.1.1", (string?)document["openapi"]);
        // The answering services' paths, then the gateway's own (API keys).
        Assert.Equal(
            ["/api/analytics/things", "/api/assignment/things", "/api/contacts/things", "/api/leads/things", "/api/gateway/keys", "/api/gateway/keys/{id}", "/api/gateway/keys/{id}/rotate"],
            document["paths"]!.AsObject().Select(p => p.Key));
        Assert.Equal("gateway:admin", (string?)document["paths"]!["/api/gateway/keys"]!["post"]!["security"]![0]!["bearer"]![0]);
        Assert.Contains("`messaging`: not available", (string?)document["info"]!["description"], StringComparison.Ordinal);
        Assert.Equal("unavailable", (string?)document["x-crm-sources"]!.AsArray().Single(s => (string?)s!["name"] == "messaging")!["status"]);
    }

    [Fact]
    public async Task A_service_that_stops_answering_keeps_its_last_document_marked_stale()
    {
        await using var services = await ServiceDocuments.StartAsync("contacts", "leads", "assignment", "analytics", "messaging");
        await using var gateway = new GatewayFactory(services.Address("leads"), services.Settings());
        using var client = gateway.Api(apiKey: null);
        var first = JsonNode.Parse(await client.GetStringAsync(new Uri(ApiDocumentation.DocumentPath, UriKind.Relative)))!;
        Assert.Equal(5 + 3, first["paths"]!.AsObject().Count); // five services' and the gateway's three

        await services.StopAsync("leads");
        await gateway.Services.GetRequiredService<ApiDocumentCollector>().RefreshAsync(CancellationToken.None);

        var second = JsonNode.Parse(await client.GetStringAsync(new Uri(ApiDocumentation.DocumentPath, UriKind.Relative)))!;
        Assert.NotNull(second["paths"]!["/api/leads/things"]);
        Assert.Equal("stale", (string?)second["x-crm-sources"]!.AsArray().Single(s => (string?)s!["name"] == "leads")!["status"]);
        Assert.Contains("`leads`: described as last fetched at", (string?)second["info"]!["description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_page_is_public_and_every_script_and_style_is_served_by_the_gateway()
    {
        await using var services = await ServiceDocuments.StartAsync("contacts", "leads", "assignment", "analytics", "messaging");
        await using var gateway = new GatewayFactory(services.Address("leads"), services.Settings());
        using var client = gateway.Api(apiKey: null);

        using var page = await client.GetAsync(new Uri(ApiDocumentation.ReferencePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        // Scalar resolves the document's URL against the application's base path: /openapi.json.
        Assert.Contains("\"url\":\"openapi.json\"", html, StringComparison.Ordinal);
        using (var document = await client.GetAsync(new Uri(ApiDocumentation.DocumentPath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        }

        var urls = Assets().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(urls);
        Assert.DoesNotContain(urls, url => url.Contains("//", StringComparison.Ordinal));
        Assert.DoesNotMatch(ExternalUrl(), html);
        foreach (var url in urls)
        {
            var absolute = new Uri(new Uri("http://localhost" + ApiDocumentation.ReferencePath + "/"), url);
            using var asset = await client.GetAsync(absolute.PathAndQuery);
            Assert.True(asset.IsSuccessStatusCode, $"{url} ({absolute.PathAndQuery}) answered {(int)asset.StatusCode}");
        }
    }

    [GeneratedRegex("""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex Assets();

    /// <summary>Any absolute http(s) or protocol-relative URL loaded by the page (a CDN).</summary>
    [GeneratedRegex("""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();

    /// <summary>One small HTTP server per service serving a minimal document at /openapi/v1.json; each can be stopped.</summary>
    private sealed class ServiceDocuments : IAsyncDisposable
    {
        private readonly Dictionary<string, (WebApplication App, Uri Address)> _apps = new(StringComparer.Ordinal);

        public static async Task<ServiceDocuments> StartAsync(params string[] names)
        {
            var documents = new ServiceDocuments();
            foreach (var name in names)
            {
                var port = FreePort.Next();
                var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
                builder.Logging.ClearProviders();
                var app = builder.Build();
                var json = Document(name).ToJsonString();
                app.MapGet("/openapi/v1.json", () => Results.Text(json, "application/json"));
                await app.StartAsync();
                documents._apps[name] = (app, new Uri($"http://127.0.0.1:{port}/"));
            }

            return documents;
        }

        public Uri Address(string name) => _apps[name].Address;

        /// <summary>Each cluster at its own server; <paramref name="down"/> at a port nobody listens on.</summary>
        public Dictionary<string, string?> Settings(string? down = null)
        {
            var settings = new Dictionary<string, string?>();
            foreach (var (name, (_, address)) in _apps)
            {
                settings[$"ReverseProxy:Clusters:{name}:Destinations:primary:Address"] = address.ToString();
            }

            if (down is not null)
            {
                settings[$"ReverseProxy:Clusters:{down}:Destinations:primary:Address"] = $"http://127.0.0.1:{FreePort.Next()}/";
            }

            settings["Gateway:OpenApi:FetchTimeout"] = "00:00:10";
            return settings;
        }

        public async Task StopAsync(string name)
        {
            await _apps[name].App.StopAsync();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (app, _) in _apps.Values)
            {
                await app.DisposeAsync();
            }
        }

        private static JsonObject Document(string service) => new()
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject { ["title"] = service, ["version"] = "v1" },
            ["paths"] = new JsonObject
            {
                [$"/api/{service}/things"] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["operationId"] = $"List{service}",
                        ["summary"] = "List things",
                        ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray($"{service}:read") }),
                        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK." } },
                    },
                },
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
            },
        };
    }
}
