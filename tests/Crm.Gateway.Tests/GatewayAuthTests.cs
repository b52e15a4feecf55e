using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Client;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>Every /api request needs a configured API key; without one nothing reaches a service.</summary>
public sealed class GatewayAuthTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    [Fact]
    public async Task No_key_is_a_401_problem_with_a_bearer_challenge_and_the_backend_sees_nothing()
    {
        using var client = fixture.Gateway.Api(apiKey: null);
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(CrmClient.JsonOptions);
        Assert.Equal(401, problem!.Status);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.False(Backend.Saw(path));
    }

    [Fact]
    public async Task No_key_on_the_bare_leads_post_is_401_and_nothing_is_forwarded()
    {
        using var client = fixture.Gateway.Api(apiKey: null);
        var before = Backend.Requests.Count(r => r.Path == "/api/leads");

        using var response = await client.PostAsync(new Uri("/api/leads", UriKind.Relative), JsonContent.Create(new { source = "web" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, Backend.Requests.Count(r => r.Path == "/api/leads"));
    }

    [Theory]
    [InlineData("Bearer", "wrong-key")]
    [InlineData("Bearer", GatewayFactory.Key + "x")]
    [InlineData("Basic", GatewayFactory.Key)]
    [InlineData("Bearer", GatewayService.DevelopmentKey)]
    public async Task A_wrong_key_or_scheme_is_401_and_the_backend_sees_nothing(string scheme, string key)
    {
        using var client = fixture.Gateway.Api(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, key);
        var path = $"/api/contacts/{Guid.NewGuid():N}";

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("invalid_token", challenge.Parameter, StringComparison.Ordinal);
        Assert.False(Backend.Saw(path));
    }

    [Fact]
    public async Task An_unknown_api_path_without_a_key_is_401_not_404()
    {
        using var client = fixture.Gateway.Api(apiKey: null);

        using var response = await client.GetAsync(new Uri("/api/nope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_key_configured_only_as_its_sha256_works()
    {
        using var client = fixture.Gateway.Api(GatewayFactory.HashedKey);
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.Equal(GatewayFactory.HashedKeyName, seen.Caller);
        Assert.Equal("contacts:read leads:read", seen.CallerScopes);
    }

    [Theory]
    [InlineData("GET", "/api/leads/x", HttpStatusCode.OK)]
    [InlineData("GET", "/api/contacts/x", HttpStatusCode.OK)]
    [InlineData("POST", "/api/leads", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/assignment/reps", HttpStatusCode.Forbidden)]
    [InlineData("POST", "/api/assignment/reps", HttpStatusCode.Forbidden)]
    [InlineData("PATCH", "/api/assignment/reps/x", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/messaging/messages", HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/analytics/summary", HttpStatusCode.Forbidden)]
    public async Task A_key_reaches_only_the_routes_its_scopes_name_and_a_refused_call_forwards_nothing(string method, string route, HttpStatusCode expected)
    {
        using var client = fixture.Gateway.Api(GatewayFactory.HashedKey);
        var path = $"{route}{(route.EndsWith("/x", StringComparison.Ordinal) ? Guid.NewGuid().ToString("N") : "")}";
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri($"{path}?m={marker}", UriKind.Relative));
        if (method != "GET")
        {
            request.Content = JsonContent.Create(new { });
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK, Backend.Requests.Any(r => r.Query.Contains(marker, StringComparison.Ordinal)));
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(CrmClient.JsonOptions);
            Assert.Contains("needs the scope", problem!.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_scheme_name_is_case_insensitive()
    {
        using var client = fixture.Gateway.Api(apiKey: null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + GatewayFactory.Key);

        using var response = await client.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_key_entry_without_key_or_hash_stops_the_gateway_at_startup()
    {
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?> { ["Gateway:ApiKeys:2:Name"] = "half-configured" });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Gateway:ApiKeys:2 needs exactly one of Key or KeySha256", error.ToString(), StringComparison.Ordinal);
    }
}
