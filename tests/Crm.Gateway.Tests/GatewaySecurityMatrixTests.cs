using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Gateway.Auth;
using Crm.Contracts.Api.Gateway;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Gateway.Tests;

/// <summary>
/// Every public route × every kind of caller, through the gateway: no credential, a wrong key, an expired key, a
/// revoked key, a key without the route's scope, a key with exactly it, a rep, a team lead, a manager and an admin.
/// Each gets exactly the expected answer (401, 403, or passed on); the count of unexpected successes is printed and
/// must be 0. Ownership (another rep's lead is 404) is the services' part, tested in their own matrices.
/// </summary>
public sealed class GatewaySecurityMatrixTests(PeopleFixture fixture, ITestOutputHelper output) : IClassFixture<PeopleFixture>
{
    private static readonly (string Method, string Path)[] Routes =
    [
        ("POST", "/api/leads"),
        ("GET", "/api/leads/x"),
        ("GET", "/api/contacts/x"),
        ("POST", "/api/assignment/reps"),
        ("GET", "/api/assignment/reps"),
        ("GET", "/api/assignment/reps/x"),
        ("PATCH", "/api/assignment/reps/x"),
        ("GET", "/api/assignment/leads/x"),
        ("GET", "/api/assignment/backlog"),
        ("GET", "/api/messaging/messages"),
        ("GET", "/api/analytics/summary"),
        ("POST", "/api/gateway/keys"),
        ("GET", "/api/gateway/keys"),
        ("GET", "/api/gateway/keys/x"),
        ("DELETE", "/api/gateway/keys/x"),
        ("POST", "/api/gateway/keys/x/rotate"),
    ];

    [Fact]
    public async Task Every_route_answers_every_kind_of_caller_exactly_as_expected()
    {
        var people = fixture.People;
        var expired = await CreateKeyAsync(["leads:admin", "contacts:admin", "assignment:admin", "messaging:admin", "analytics:admin", "gateway:admin"]);
        await RotateAsync(expired.ApiKey.Id, overlapMinutes: 0);
        var revoked = await CreateKeyAsync(["leads:admin", "contacts:admin", "assignment:admin", "messaging:admin", "analytics:admin", "gateway:admin"]);
        await RevokeAsync(revoked.ApiKey.Id);

        var unexpectedSuccesses = 0;
        var wrongAnswers = new List<string>();
        var calls = 0;
        foreach (var (method, path) in Routes)
        {
            var needed = RouteScopes.Of(new DefaultHttpContextRequest(method, path).Request)!;
            var neededScope = needed.ToString();
            var withIt = await CreateKeyAsync([neededScope]);
            var withoutIt = await CreateKeyAsync([.. Scopes.All.Where(s => !s.StartsWith(needed.Service + ":", StringComparison.Ordinal))]);
            // Expected: 401, 403, or null = passed on (to the service, or the gateway's own key endpoint).
            var callers = new (string Name, string? Token, HttpStatusCode? Expected)[]
            {
                ("no credential", null, HttpStatusCode.Unauthorized),
                ("wrong key", "crm_00000000_wrong-key-that-was-never-issued-by-the-gateway", HttpStatusCode.Unauthorized),
                ("expired key", expired.Key, HttpStatusCode.Unauthorized),
                ("revoked key", revoked.Key, HttpStatusCode.Unauthorized),
                ("key without the scope", withoutIt.Key, HttpStatusCode.Forbidden),
                ($"key with {neededScope}", withIt.Key, null),
                ("rep", people.Token("rep", rep: "rep-1", team: "north", subject: "rep-1"), Grants("rep", needed)),
                ("team lead", people.Token("teamlead", rep: "lead-1", team: "north", subject: "lead-1"), Grants("teamlead", needed)),
                ("manager", people.Token("manager", subject: "manager-1"), Grants("manager", needed)),
                ("admin", people.Token("admin", subject: "admin-1"), null),
            };
            foreach (var (name, token, expected) in callers)
            {
                calls++;
                var status = await CallAsync(method, path, token);
                var refused = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
                output.WriteLine($"{method} {path} (needs {neededScope}) as {name}: {(int)status}");
                if (expected is null ? refused : status != expected)
                {
                    wrongAnswers.Add($"{method} {path} as {name}: {(int)status}, expected {(expected is null ? "passed on" : ((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                    if (expected is not null && !refused)
                    {
                        unexpectedSuccesses++;
                    }
                }
            }
        }

        output.WriteLine($"[security] gateway matrix: {calls} calls, {Routes.Length} routes x 10 callers; unexpected successes: {unexpectedSuccesses}; wrong answers: {wrongAnswers.Count}");
        Assert.Equal(0, unexpectedSuccesses);
        Assert.True(wrongAnswers.Count == 0, string.Join('\n', wrongAnswers));
    }

    private static HttpStatusCode? Grants(string role, RequiredScope needed) =>
        PersonRoles.ScopesOf(role) is { } scopes && Scopes.Grants(scopes, needed.Service, needed.Access) ? null : HttpStatusCode.Forbidden;

    private async Task<HttpStatusCode> CallAsync(string method, string path, string? token)
    {
        using var client = fixture.Gateway.Api(apiKey: null);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method is "POST" or "PATCH")
        {
            request.Content = JsonContent.Create(new { });
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<CreatedApiKeyResponse> CreateKeyAsync(string[] scopes)
    {
        using var admin = fixture.Gateway.Api();
        using var response = await admin.PostAsJsonAsync("/api/gateway/keys", new CreateApiKeyRequest { Name = $"matrix-{Guid.NewGuid():N}"[..20], Scopes = scopes }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;
    }

    private async Task RotateAsync(string id, int overlapMinutes)
    {
        using var admin = fixture.Gateway.Api();
        using var response = await admin.PostAsJsonAsync($"/api/gateway/keys/{id}/rotate", new RotateApiKeyRequest { OverlapMinutes = overlapMinutes }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task RevokeAsync(string id)
    {
        using var admin = fixture.Gateway.Api();
        using var response = await admin.DeleteAsync(new Uri($"/api/gateway/keys/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Just enough of a request for <see cref="RouteScopes.Of"/>.</summary>
    private sealed class DefaultHttpContextRequest(string method, string path)
    {
        public HttpRequest Request { get; } = new Microsoft.AspNetCore.Http.DefaultHttpContext { Request = { Method = method, Path = path } }.Request;
    }
}
