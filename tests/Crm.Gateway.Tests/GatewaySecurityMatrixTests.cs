using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Client;
using Crm.Contracts.Api.Gateway;
using Crm.Gateway.Auth;
using Crm.Gateway.OpenApi;
using Crm.OpenApi.Tests;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.Gateway.Tests;

/// <summary>
/// The platform's merged OpenAPI document (built from the real services, as the gateway merges it), one echo backend
/// for every cluster, and a gateway that trusts <see cref="People"/> and does not limit failed authentications (the
/// matrix makes hundreds of them on purpose).
/// </summary>
public sealed class SecurityMatrixFixture : IAsyncLifetime
{
    public PlatformDocument Platform { get; } = new();

    public TestPeople People { get; } = new();

    public EchoBackend Backend { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Platform.InitializeAsync();
        Backend = await EchoBackend.StartAsync();
        var settings = new Dictionary<string, string?>(People.GatewaySettings)
        {
            ["Gateway:FailedAuth:MaxFailures"] = "100000",
            ["Gateway:RateLimit:PermitsPerSecond"] = "100000",
            ["Gateway:RateLimit:Burst"] = "100000",
        };
        Gateway = new GatewayFactory(Backend.Address, settings);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        People.Dispose();
        await Platform.DisposeAsync();
    }
}

/// <summary>
/// Every operation of the platform's merged OpenAPI document × every kind of caller, through the gateway: no
/// credential, a wrong key, an expired key, a revoked key, a key without the route's scope, a key with exactly it, a
/// rep, another rep, a team lead, a manager and an admin. The routes come from the document, so a new endpoint is in
/// the matrix without touching this test. Each call gets exactly the expected answer:
/// <list type="bullet">
/// <item>401 for a missing, wrong, expired or revoked credential;</item>
/// <item>403 when the caller's scopes lack what the gateway checks (<see cref="RouteScopes"/>: the service's read for
/// GET, its write otherwise, <c>gateway:admin</c> for the gateway's own API); nothing is forwarded then;</item>
/// <item>otherwise forwarded: the echo backend's 200 exactly, with the signed identity of this caller (kind, scopes,
/// role, rep id); for the gateway's own endpoints, exactly what the admin key gets for the same request.</item>
/// </list>
/// The gateway checks the service's read/write scope; the finer scope an operation declares (e.g. <c>assignment:admin</c>)
/// and ownership (another rep's lead is 404) are the services' own, tested per endpoint and per role in
/// <see cref="ServiceSecurityMatrix"/>. Calls the gateway forwards although the caller lacks the operation's declared
/// scope are counted and printed ("left to the service"): each of them must get 403 in that service's matrix.
/// </summary>
public sealed class GatewaySecurityMatrixTests(SecurityMatrixFixture fixture, ITestOutputHelper output) : IClassFixture<SecurityMatrixFixture>
{
    private const string WrongKey = "crm_00000000_wrong-key-that-was-never-issued-by-the-gateway";

    /// <summary>One caller of the matrix: its credential, and when it passes the gateway, the identity the service must see.</summary>
    private sealed record Caller(string Name, string? Token, IReadOnlySet<string>? Scopes, string? Role = null, string? Rep = null, string? Team = null);

    [Fact]
    public async Task Every_route_answers_every_kind_of_caller_exactly_as_expected()
    {
        var routes = Routes();
        var mapped = fixture.Platform.Endpoints.Select(e => $"{e.Method} {e.Path}").Distinct(StringComparer.Ordinal).Count();
        var signedWebhooks = OpenApiMerge.Operations(fixture.Platform.Merged).Count(o => o.Operation["security"] is JsonArray { Count: 0 });
        Assert.True(routes.Count + signedWebhooks >= mapped, $"the document has {routes.Count} operations (and {signedWebhooks} signed webhooks), the services map {mapped} /api endpoints");

        var people = fixture.People;
        var expired = await CreateKeyAsync([.. Scopes.AllAdmin]);
        await RotateAsync(expired.ApiKey.Id, overlapMinutes: 0);
        var revoked = await CreateKeyAsync([.. Scopes.AllAdmin]);
        await RevokeAsync(revoked.ApiKey.Id);
        var persons = new[]
        {
            new Caller("rep", people.Token(PersonRoles.Rep, rep: "rep-1", team: "north", subject: "rep-1"), PersonRoles.ScopesOf(PersonRoles.Rep), PersonRoles.Rep, "rep-1", "north"),
            new Caller("other rep", people.Token(PersonRoles.Rep, rep: "rep-2", team: "south", subject: "rep-2"), PersonRoles.ScopesOf(PersonRoles.Rep), PersonRoles.Rep, "rep-2", "south"),
            new Caller("team lead", people.Token(PersonRoles.TeamLead, rep: "lead-1", team: "north", subject: "lead-1"), PersonRoles.ScopesOf(PersonRoles.TeamLead), PersonRoles.TeamLead, "lead-1", "north"),
            new Caller("manager", people.Token(PersonRoles.Manager, subject: "manager-1"), PersonRoles.ScopesOf(PersonRoles.Manager), PersonRoles.Manager),
            new Caller("admin", people.Token(PersonRoles.Admin, subject: "admin-1"), PersonRoles.ScopesOf(PersonRoles.Admin), PersonRoles.Admin),
        };

        // One key per scope set, shared by the routes that need it.
        var keys = new Dictionary<string, CreatedApiKeyResponse>(StringComparer.Ordinal);
        async Task<CreatedApiKeyResponse> KeyAsync(string[] scopes)
        {
            var name = string.Join(' ', scopes.Order(StringComparer.Ordinal));
            if (!keys.TryGetValue(name, out var key))
            {
                keys[name] = key = await CreateKeyAsync(scopes);
            }

            return key;
        }

        var calls = 0;
        var callers = 0;
        var unexpectedSuccesses = new List<string>();
        var wrongAnswers = new List<string>();
        var leftToTheService = 0;
        foreach (var (method, template, path, declared) in routes)
        {
            var gatewayScope = GatewayChecks(method, path);
            Assert.Equal(gatewayScope.Service, declared.Service);
            var own = gatewayScope.Service == GatewayService.Name;
            var withIt = await KeyAsync([declared.ToString()]);
            string[] withoutScopes = [.. Scopes.All.Where(s => !s.StartsWith(gatewayScope.Service + ":", StringComparison.Ordinal))];
            var withoutIt = await KeyAsync(withoutScopes);
            List<Caller> matrix =
            [
                new("no credential", null, null),
                new("wrong key", WrongKey, null),
                new("expired key", expired.Key, null),
                new("revoked key", revoked.Key, null),
                new("key without the scope", withoutIt.Key, withoutScopes.ToHashSet(StringComparer.Ordinal)),
                new($"key with {declared}", withIt.Key, new HashSet<string>([declared.ToString()], StringComparer.Ordinal)),
                .. persons,
            ];
            callers = matrix.Count;

            // The gateway's own endpoints answer themselves: every caller let through gets what the admin key gets.
            var reference = own ? (await CallAsync(method, path, GatewayFactory.Key)).Status : HttpStatusCode.OK;
            foreach (var caller in matrix)
            {
                calls++;
                var expected = caller.Scopes is null ? HttpStatusCode.Unauthorized
                    : !Scopes.Grants(caller.Scopes, gatewayScope.Service, gatewayScope.Access) ? HttpStatusCode.Forbidden
                    : reference;
                var (status, seen) = await CallAsync(method, path, caller.Token);
                var line = string.Create(CultureInfo.InvariantCulture, $"{method} {template} (declares {declared}, gateway checks {gatewayScope}) as {caller.Name}: {(int)status}, expected {(int)expected}");
                output.WriteLine(line);
                var passes = expected is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
                if (status != expected)
                {
                    wrongAnswers.Add(line);
                    if (!passes && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
                    {
                        unexpectedSuccesses.Add(line);
                    }
                }

                if (!own && !passes && status == expected && seen is not null)
                {
                    // Refused to the caller, but the service got the request all the same.
                    unexpectedSuccesses.Add($"{line}: forwarded to the service anyway");
                }

                if (!own && passes)
                {
                    if (seen is null)
                    {
                        wrongAnswers.Add($"{line}: the backend did not see the request");
                    }
                    else if (IdentityProblem(seen, caller) is { } problem)
                    {
                        wrongAnswers.Add($"{line}: {problem}");
                    }
                }

                if (passes && !Scopes.Grants(caller.Scopes!, declared.Service, declared.Access))
                {
                    leftToTheService++;
                }
            }
        }

        output.WriteLine($"[security] gateway matrix: {calls} calls, {routes.Count} routes x {callers} callers; unexpected successes: {unexpectedSuccesses.Count}; wrong answers: {wrongAnswers.Count}; forwarded without the operation's declared scope (the service answers 403, see ServiceSecurityMatrix): {leftToTheService}");
        Assert.True(unexpectedSuccesses.Count == 0, "Unexpected successes:\n" + string.Join('\n', unexpectedSuccesses));
        Assert.True(wrongAnswers.Count == 0, "Wrong answers:\n" + string.Join('\n', wrongAnswers));
    }

    /// <summary>
    /// The operations the document declares anonymous by design (<c>security: []</c>: providers' signed webhooks) are all
    /// under <c>/api/messaging/providers/</c>, and the gateway forwards exactly those without a credential (the service
    /// verifies the provider's signature); the rest of Messaging without a credential is still 401 and never forwarded.
    /// </summary>
    [Fact]
    public async Task Signed_webhooks_pass_without_credentials_only_under_the_providers_prefix()
    {
        var anonymous = OpenApiMerge.Operations(fixture.Platform.Merged)
            .Where(o => o.Operation["security"] is JsonArray { Count: 0 })
            .ToList();

        Assert.NotEmpty(anonymous);
        foreach (var (method, template, _) in anonymous)
        {
            Assert.StartsWith("/api/messaging/providers/", template, StringComparison.Ordinal);
            var (status, seen) = await CallAsync(method.ToUpperInvariant(), template, null);
            Assert.True(status == HttpStatusCode.OK && seen is not null, $"{method} {template} without a credential: {(int)status}, forwarded: {seen is not null}");
        }

        var (other, otherSeen) = await CallAsync("POST", "/api/messaging/messages", null);
        Assert.Equal(HttpStatusCode.Unauthorized, other);
        Assert.Null(otherSeen);
        var (sibling, siblingSeen) = await CallAsync("POST", "/api/messaging/providersX/sms/status", null);
        Assert.Equal(HttpStatusCode.Unauthorized, sibling);
        Assert.Null(siblingSeen);
    }

    /// <summary>
    /// What the gateway must check before forwarding, written out here rather than taken from <see cref="RouteScopes"/>
    /// (so a change there is caught): the service named by the path, read for GET / HEAD, write otherwise, and
    /// <c>gateway:admin</c> for the gateway's own API.
    /// </summary>
    private static RequiredScope GatewayChecks(string method, string path)
    {
        var service = path.Split('/')[2];
        Assert.Contains(service, Scopes.Services);
        return service == GatewayService.Name ? new RequiredScope(service, Access.Admin)
            : new RequiredScope(service, method is "GET" or "HEAD" ? Access.Read : Access.Write);
    }

    /// <summary>Every operation of the merged document: method, template, a path with made-up ids, and its declared scope.</summary>
    private List<(string Method, string Template, string Path, RequiredScope Declared)> Routes()
    {
        var routes = new List<(string, string, string, RequiredScope)>();
        foreach (var (method, template, operation) in OpenApiMerge.Operations(fixture.Platform.Merged))
        {
            var scopes = operation["security"]?.AsArray().OfType<JsonObject>()
                .SelectMany(requirement => requirement[OpenApiMerge.SecuritySchemeName]?.AsArray().Select(s => (string?)s) ?? [])
                .OfType<string>()
                .ToList() ?? [];
            if (operation["security"] is JsonArray { Count: 0 })
            {
                // Anonymous by design (a provider's signed webhook): checked by Signed_webhooks_pass_without_credentials_only_under_the_providers_prefix.
                continue;
            }

            var scope = Assert.Single(scopes);
            var (service, access) = (scope.Split(':')[0], scope.Split(':')[1] switch
            {
                "read" => Access.Read,
                "write" => Access.Write,
                _ => Access.Admin,
            });
            Assert.Equal(scope, Scopes.Of(service, access));
            var path = string.Join('/', template.Split('/').Select(segment => segment.StartsWith('{') ? "matrix-" + Guid.NewGuid().ToString("N")[..8] : segment));
            routes.Add((method.ToUpperInvariant(), template, path, new RequiredScope(service, access)));
        }

        Assert.NotEmpty(routes);
        return routes;
    }

    /// <summary>Null when the backend saw this caller's identity, signed by the gateway: kind, scopes, role, rep and team.</summary>
    private static string? IdentityProblem(SeenRequest seen, Caller caller)
    {
        var scopes = string.Join(' ', caller.Scopes!.Order(StringComparer.Ordinal));
        var kind = caller.Role is null ? CallerIdentity.KeyKind : CallerIdentity.PersonKind;
        return seen.Caller is null ? "the forwarded identity is missing or not signed by the gateway"
            : seen.CallerKind != kind ? $"forwarded as a {seen.CallerKind}, not a {kind}"
            : seen.CallerScopes != scopes ? $"forwarded with scopes '{seen.CallerScopes}', expected '{scopes}'"
            : seen.CallerRole != caller.Role || seen.CallerRep != caller.Rep || seen.CallerTeam != caller.Team
                ? $"forwarded as role {seen.CallerRole} rep {seen.CallerRep} team {seen.CallerTeam}, expected {caller.Role} {caller.Rep} {caller.Team}"
            : null;
    }

    /// <summary>Calls the gateway; returns the status and what the echo backend saw of this very call (null: not forwarded).</summary>
    private async Task<(HttpStatusCode Status, SeenRequest? Seen)> CallAsync(string method, string path, string? token)
    {
        var requestId = "matrix-" + Guid.NewGuid().ToString("N");
        using var client = fixture.Gateway.Api(apiKey: null);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Request-Id", requestId);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method is not ("GET" or "HEAD" or "DELETE"))
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, fixture.Backend.Requests.FirstOrDefault(r => r.RequestId == requestId));
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
}
