using System.Net;
using System.Text.Json;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>/health/ready on the management port (real sockets) reports each configured backend's readiness.</summary>
public sealed class GatewayHealthTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    [Fact]
    public async Task Configured_backends_are_checked_and_a_failing_one_is_reported_degraded()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:Backends:leads:Health"] = new Uri(Backend.Address, "/health/ready").ToString(),
            ["Gateway:Backends:contacts:Health"] = new Uri(Backend.Address, "/health/down").ToString(),
        });
        using var management = gateway.Management();

        using var response = await management.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", report.RootElement.GetProperty("status").GetString());
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("backend-leads").GetProperty("status").GetString());
        Assert.Equal("Degraded", checks.GetProperty("backend-contacts").GetProperty("status").GetString());
        Assert.False(checks.TryGetProperty("backend-messaging", out _));
        Assert.True(Backend.Saw("/health/ready"));
        Assert.True(Backend.Saw("/health/down"));
    }

    [Fact]
    public async Task A_required_backend_that_is_down_makes_the_gateway_unready()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:Backends:leads:Health"] = new Uri(Backend.Address, "/health/down").ToString(),
            ["Gateway:Backends:leads:Required"] = "true",
        });
        using var management = gateway.Management();

        using var response = await management.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", report.RootElement.GetProperty("checks").GetProperty("backend-leads").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_configured_backends_the_gateway_is_ready_on_its_own_store_alone()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address);
        using var management = gateway.Management();

        using var ready = await management.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var live = await management.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        // Its own store (API keys) is the only check: no backend is configured.
        Assert.Equal(["store"], report.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name));
    }

    [Fact]
    public async Task An_unreachable_backend_is_a_502_problem()
    {
        var dead = new Uri($"http://127.0.0.1:{Crm.Testing.FreePort.Next()}/");
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:analytics:Destinations:primary:Address"] = dead.ToString(),
        });
        using var client = gateway.Api();

        using var response = await client.GetAsync(new Uri("/api/analytics/summary", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
