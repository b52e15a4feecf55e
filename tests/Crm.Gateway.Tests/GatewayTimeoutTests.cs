using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crm.Gateway.Routing;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;
using Yarp.ReverseProxy.Configuration;

namespace Crm.Gateway.Tests;

/// <summary>
/// Request timeouts per route: every proxied route names a timeout policy, the defaults are the documented ones, each
/// is configurable, and a service slower than its route's timeout answers 504 ProblemDetails as soon as it elapses.
/// </summary>
public sealed class GatewayTimeoutTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    /// <summary>The slow backend stays silent this long: far beyond any shortened timeout below.</summary>
    private const int Stall = 30_000;

    [Fact]
    public void Every_route_names_a_timeout_policy_and_the_defaults_are_the_documented_ones()
    {
        var routes = fixture.Gateway.Services.GetRequiredService<IProxyConfigProvider>().GetConfig().Routes;
        var policies = fixture.Gateway.Services.GetRequiredService<IOptions<RequestTimeoutOptions>>().Value.Policies;

        Assert.All(routes, r => Assert.True(r.TimeoutPolicy is not null && policies.ContainsKey(r.TimeoutPolicy), $"route {r.RouteId} has no known timeout policy"));
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["analytics"] = "standard", ["analytics-live"] = "stream", ["assignment"] = "standard", ["contacts"] = "standard", ["contacts-export"] = "export",
                ["contacts-import-upload"] = "upload", ["leads"] = "standard", ["leads-batch"] = "bulk", ["leads-signals"] = "bulk", ["messaging"] = "standard", ["messaging-batch"] = "bulk", ["messaging-providers"] = "standard",
            },
            routes.ToDictionary(r => r.RouteId, r => r.TimeoutPolicy));
        Assert.Equal(
            [("bulk", TimeSpan.FromMinutes(1)), ("export", TimeSpan.FromMinutes(2)), ("standard", TimeSpan.FromSeconds(15)), ("stream", TimeSpan.FromHours(1)), ("upload", TimeSpan.FromMinutes(10))],
            policies.Select(p => (p.Key, p.Value.Timeout!.Value)).OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_service_slower_than_its_routes_timeout_is_a_504_problem_as_soon_as_the_timeout_elapses()
    {
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?> { ["Gateway:Timeouts:standard"] = "00:00:00.500" });
        using var client = gateway.Api();
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync(new Uri($"/api/leads/slow-read?delayMs={Stall}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"answered after {clock.Elapsed}, not when the 0.5 s timeout elapsed");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(504, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("The service did not answer in time.", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("'standard'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_route_waits_as_long_as_its_own_policy_allows()
    {
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:Timeouts:standard"] = "00:00:00.300",
            ["Gateway:Timeouts:bulk"] = "00:00:20",
        });
        using var client = gateway.Api();

        // The same 1.5 s answer: too slow for a read, in time for a batch (and the batch route is only the POST).
        using var read = await client.GetAsync(new Uri("/api/leads/some-lead?delayMs=1500", UriKind.Relative));
        using var batch = await client.PostAsync(new Uri("/api/leads/batch?delayMs=1500", UriKind.Relative), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        using var batchRead = await client.GetAsync(new Uri("/api/leads/batch?delayMs=1500", UriKind.Relative));
        using var sendBatch = await client.PostAsync(new Uri("/api/messaging/messages/batch?delayMs=1500", UriKind.Relative), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        using var send = await client.PostAsync(new Uri("/api/messaging/messages?delayMs=1500", UriKind.Relative), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, batchRead.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sendBatch.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, send.StatusCode);
    }

    [Fact]
    public void A_timeout_that_is_not_a_positive_duration_stops_the_gateway_at_start_naming_the_key()
    {
        using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?> { ["Gateway:Timeouts:bulk"] = "soon" });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Gateway:Timeouts:bulk", error.ToString(), StringComparison.Ordinal);
    }
}
