using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>Routes to a real backend: paths and queries unchanged, the key kept at the gateway, request ids end to end.</summary>
public sealed class GatewayRoutingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    [Theory]
    [InlineData("contacts")]
    [InlineData("leads")]
    [InlineData("assignment")]
    [InlineData("messaging")]
    [InlineData("analytics")]
    public async Task Each_service_prefix_is_forwarded_with_path_and_query_unchanged(string service)
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/{service}/things/{Guid.NewGuid():N}/sub-resource";
        const string query = "?limit=5&name=a%20b&tag=x&tag=y";

        using var response = await client.GetAsync(new Uri(path + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<SeenRequest>(CrmClient.JsonOptions);
        Assert.NotNull(echo);
        Assert.Equal("GET", echo.Method);
        Assert.Equal(path, echo.Path);
        Assert.Equal(query, echo.Query);
        Assert.Single(Backend.Requests, r => r.Path == path);
    }

    [Theory]
    [InlineData("contacts")]
    [InlineData("leads")]
    [InlineData("assignment")]
    [InlineData("messaging")]
    [InlineData("analytics")]
    public async Task A_post_with_a_body_reaches_each_service(string service)
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/{service}/items-{Guid.NewGuid():N}";

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(new { name = "x" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<SeenRequest>(CrmClient.JsonOptions);
        Assert.Equal("POST", echo!.Method);
        Assert.Equal(path, echo.Path);
        Assert.Equal(12, echo.BodyBytes);
    }

    [Fact]
    public async Task The_bare_leads_collection_routes_for_post_and_get()
    {
        using var client = fixture.Gateway.Api();
        var marker = Guid.NewGuid().ToString("N");

        using var post = await client.PostAsync(new Uri($"/api/leads?m={marker}", UriKind.Relative), JsonContent.Create(new { source = "web" }));
        using var get = await client.GetAsync(new Uri($"/api/leads?limit=2&m={marker}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var posted = await post.Content.ReadFromJsonAsync<SeenRequest>(CrmClient.JsonOptions);
        Assert.Equal("POST", posted!.Method);
        Assert.Equal("/api/leads", posted.Path);
        Assert.Equal($"?m={marker}", posted.Query);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var got = await get.Content.ReadFromJsonAsync<SeenRequest>(CrmClient.JsonOptions);
        Assert.Equal("/api/leads", got!.Path);
        Assert.Equal($"?limit=2&m={marker}", got.Query);
    }

    [Fact]
    public async Task The_api_key_stays_at_the_gateway_and_the_backend_gets_a_signed_identity_naming_the_key()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/contacts/{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Api-Key-Name", "spoofed-admin");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.DoesNotContain(GatewayFactory.Key, seen.Authorization ?? "", StringComparison.Ordinal);
        Assert.Equal(GatewayFactory.KeyName, seen.Caller);
        Assert.Equal(string.Join(' ', Crm.ServiceDefaults.Security.Scopes.AllAdmin.Order(StringComparer.Ordinal)), seen.CallerScopes);
    }

    [Fact]
    public async Task A_sent_request_id_reaches_the_backend_and_comes_back_once()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/leads/{Guid.NewGuid():N}";
        var requestId = $"req-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Request-Id", requestId);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([requestId], response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(requestId, Assert.Single(Backend.Requests, r => r.Path == path).RequestId);
    }

    [Fact]
    public async Task A_missing_request_id_is_generated_and_the_backend_sees_the_same_one()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/analytics/{Guid.NewGuid():N}";

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var returned = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.False(string.IsNullOrWhiteSpace(returned));
        Assert.Equal(returned, Assert.Single(Backend.Requests, r => r.Path == path).RequestId);
    }

    [Fact]
    public async Task An_oversized_request_id_is_replaced_consistently()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/messaging/{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Request-Id", new string('x', 200));

        using var response = await client.SendAsync(request);

        var returned = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual(new string('x', 200), returned);
        Assert.Equal(returned, Assert.Single(Backend.Requests, r => r.Path == path).RequestId);
    }

    [Theory]
    [InlineData("/api/nope")]
    [InlineData("/api/nope/deeper?x=1")]
    [InlineData("/api/leadsx")]
    [InlineData("/api")]
    public async Task An_unknown_api_path_is_a_404_problem(string path)
    {
        using var client = fixture.Gateway.Api();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(CrmClient.JsonOptions);
        Assert.Equal(404, problem!.Status);
        Assert.False(Backend.Saw(path.Split('?')[0]));
    }

    [Fact]
    public async Task The_gateways_own_health_is_not_proxied()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address);
        using var client = gateway.HttpOnSockets();
        using var management = gateway.Management();
        var before = Backend.Requests.Count;

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var readyOnManagement = await management.GetAsync(new Uri("/health/ready", UriKind.Relative));

        // On the REST port there is no health endpoint at all (it lives on the management port) and nothing is forwarded.
        Assert.Equal(HttpStatusCode.NotFound, ready.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyOnManagement.StatusCode);
        Assert.Equal(before, Backend.Requests.Count);
    }
}

public sealed record ProblemBody
{
    public int? Status { get; init; }
    public string? Title { get; init; }
    public string? Detail { get; init; }
    public string? TraceId { get; init; }
}
