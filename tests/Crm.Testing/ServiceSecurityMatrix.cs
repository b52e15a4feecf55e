using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.Testing;

/// <summary>
/// Every <c>/api</c> endpoint of a service, called with every kind of identity: none, one signed by another key,
/// an expired one, one holding every scope but the endpoint's, one holding exactly the endpoint's, the service's
/// admin scope, and the people of the role table (<see cref="PersonRoles"/>): a rep, another rep, a team lead, a
/// manager and an admin. Only a key holding the endpoint's scope and a person whose role's scopes grant it may pass the
/// service's security (they may still get 400 or 404 from the endpoint itself); everybody else gets exactly 401 or 403.
/// With <see cref="OwnedResource"/>s, the ownership rule is checked too: the owner, their team lead, managers and admins
/// see the resource, another rep (and another team's lead) get 404 or an empty list.
/// </summary>
public static class ServiceSecurityMatrix
{
    /// <summary>The rep and team the matrix's "rep" and "team lead" act as (for made-up ids: owners of nothing).</summary>
    public const string Rep = "matrix-rep", Team = "matrix-team";

    /// <summary>The "other rep" and their team, who own nothing.</summary>
    public const string OtherRep = "matrix-other-rep", OtherTeam = "matrix-other-team";

    /// <summary>
    /// A resource with an owner, for the ownership rule: <paramref name="Endpoint"/> as <c>"METHOD /route/pattern"</c>,
    /// the <paramref name="Path"/> (and query) that reads it, and the rep and team who own it.
    /// </summary>
    public sealed record OwnedResource(string Endpoint, string Path, string OwnerRep, string? OwnerTeam);

    /// <summary>
    /// Runs the matrix; returns one line per call and a summary line
    /// (<c>[security] &lt;service&gt; matrix: N calls, E endpoints x C callers; unexpected successes: 0</c>), and fails
    /// listing every unexpected outcome. <paramref name="queries"/> gives a query string per <c>"METHOD /route/pattern"</c>
    /// where the endpoint has rules of its own on parameters. <paramref name="owned"/> are real resources whose owner the
    /// ownership rule is checked against; <paramref name="knownOwnershipHoles"/> are endpoints (<c>"METHOD /pattern"</c>)
    /// known to show another rep's resource: reported, not failed, and the run fails when one of them is no hole any more
    /// (so the fix removes it from the caller's set). <paramref name="onlyForWhoSeesEverything"/> are endpoints
    /// (<c>"METHOD /pattern"</c>) whose own rule refuses people who do not see every record (reps and team leads: 403)
    /// although their role's scopes grant the endpoint's scope. <paramref name="closedToReps"/> are endpoints whose own rule
    /// refuses reps (403) but lets team leads through (to their own rules).
    /// </summary>
    public static async Task<IReadOnlyList<string>> RunAsync<T>(
        WebApplicationFactory<T> factory,
        IReadOnlyDictionary<string, string>? queries = null,
        IReadOnlyList<OwnedResource>? owned = null,
        IReadOnlySet<string>? knownOwnershipHoles = null,
        IReadOnlySet<string>? onlyForWhoSeesEverything = null,
        IReadOnlySet<string>? closedToReps = null)
        where T : class
    {
        var endpoints = factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotEmpty(endpoints);
        foreach (var name in (onlyForWhoSeesEverything ?? new HashSet<string>()).Concat(knownOwnershipHoles ?? new HashSet<string>()).Concat(closedToReps ?? new HashSet<string>()))
        {
            Assert.True(endpoints.Exists(e => Name(e) == name), $"{name} is not an endpoint of this service");
        }

        var lines = new List<string>();
        var unexpected = new List<string>();
        var unexpectedSuccesses = 0;
        var calls = 0;
        var callers = 0;
        var services = new SortedSet<string>(StringComparer.Ordinal);
        using var client = factory.CreateClient().As(null);
        foreach (var endpoint in endpoints)
        {
            var scope = endpoint.Metadata.GetMetadata<RequiredScope>();
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods[0] ?? "GET";
            var path = PathOf(endpoint.RoutePattern.RawText!);
            if (queries?.GetValueOrDefault($"{method} {endpoint.RoutePattern.RawText}") is { } query)
            {
                path += "?" + query;
            }

            if (endpoint.Metadata.GetMetadata<SignedWebhook>() is { } webhook)
            {
                // Anonymous by design (a provider's callback), verified by its signature: unsigned, with or without a
                // platform identity (an identity is no signature), it must be refused and change nothing.
                foreach (var (name, token) in new[] { ("no identity, no signature", (string?)null), ("platform admin, no signature", TestIdentity.TokenFor(TestIdentity.Key("matrix-webhook", Scopes.All.ToArray()))) })
                {
                    using var unsigned = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                    if (method is not ("GET" or "HEAD" or "DELETE"))
                    {
                        unsigned.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    unsigned.Headers.Authorization = token is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                    using var refused = await client.SendAsync(unsigned);
                    calls++;
                    var webhookLine = string.Create(CultureInfo.InvariantCulture, $"{method} {path} is a signed webhook ({webhook.Verification}); {name} -> {(int)refused.StatusCode}");
                    lines.Add(webhookLine);
                    if (refused.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                    {
                        unexpected.Add(webhookLine);
                        unexpectedSuccesses++;
                    }
                }

                continue;
            }

            if (scope is null)
            {
                unexpected.Add($"{method} {path}: no scope required (every /api endpoint must declare one)");
                continue;
            }

            services.Add(scope.Service);
            var needed = Scopes.Of(scope.Service, scope.Access);
            var others = Scopes.All.Where(s => s != needed && s != Scopes.Of(scope.Service, Access.Admin)
                                              && !(scope.Access == Access.Admin && s.StartsWith(scope.Service + ":", StringComparison.Ordinal))).ToArray();
            (string Name, string? Token, Func<HttpStatusCode, bool> Expected)[] cases =
            [
                ("no identity", null, s => s == HttpStatusCode.Unauthorized),
                ("signed by another key", ForeignToken(needed), s => s == HttpStatusCode.Unauthorized),
                ("expired", ExpiredToken(needed), s => s == HttpStatusCode.Unauthorized),
                ("every other scope", TestIdentity.TokenFor(TestIdentity.Key("matrix-others", others)), s => s == HttpStatusCode.Forbidden),
                ($"exactly {needed}", TestIdentity.TokenFor(TestIdentity.Key("matrix-exact", needed)), s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)),
                ($"{scope.Service}:admin", TestIdentity.TokenFor(TestIdentity.Key("matrix-admin", Scopes.Of(scope.Service, Access.Admin))), s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)),
                .. People.Select(person => (
                    person.Name,
                    (string?)TestIdentity.TokenFor(person.Identity),
                    person.Identity.Can(scope.Service, scope.Access)
                    && (person.Identity.SeesEverything || onlyForWhoSeesEverything?.Contains(Name(endpoint)) != true)
                    && (person.Identity.Role != PersonRoles.Rep || closedToReps?.Contains(Name(endpoint)) != true)
                        ? (Func<HttpStatusCode, bool>)(s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                        : s => s == HttpStatusCode.Forbidden)),
            ];
            callers = cases.Length;
            foreach (var (name, token, expected) in cases)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                if (method is not ("GET" or "HEAD" or "DELETE"))
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                request.Headers.Authorization = token is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                // Only the status counts: the headers are enough (a server-sent event stream never ends).
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                calls++;
                var line = string.Create(CultureInfo.InvariantCulture, $"{method} {path} needs {needed}; {name} -> {(int)response.StatusCode}");
                lines.Add(line);
                if (!expected(response.StatusCode))
                {
                    unexpected.Add(line);
                    if (response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && expected(HttpStatusCode.Forbidden))
                    {
                        unexpectedSuccesses++;
                    }
                }
            }
        }

        var holes = new List<string>();
        foreach (var resource in owned ?? [])
        {
            Assert.True(endpoints.Exists(e => Name(e) == resource.Endpoint), $"{resource.Endpoint} is not an endpoint of this service");
            var known = knownOwnershipHoles?.Contains(resource.Endpoint) == true;
            var shown = false;
            foreach (var (name, identity, sees) in Owners(resource))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(resource.Path, UriKind.Relative));
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestIdentity.TokenFor(identity));
                using var response = await client.SendAsync(request);
                calls++;
                var listed = response.IsSuccessStatusCode ? Listed(await response.Content.ReadAsStringAsync()) : 0;
                var line = string.Create(CultureInfo.InvariantCulture, $"{resource.Endpoint} {resource.Path} of {resource.OwnerRep}/{resource.OwnerTeam}; {name} -> {(int)response.StatusCode}{(listed is null ? "" : $", {listed} listed")}");
                lines.Add(line);
                var sawIt = response.IsSuccessStatusCode && listed is null or > 0;
                if (sees && !sawIt)
                {
                    unexpected.Add($"{line}: should see it");
                }
                else if (!sees && (sawIt || response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.OK)))
                {
                    shown |= sawIt;
                    if (known && sawIt)
                    {
                        holes.Add(line);
                    }
                    else
                    {
                        unexpected.Add($"{line}: should get 404 or an empty list");
                        unexpectedSuccesses += sawIt ? 1 : 0;
                    }
                }
            }

            if (known && !shown)
            {
                unexpected.Add($"{resource.Endpoint} is listed as a known ownership hole but another rep no longer sees the resource: remove it from the set");
            }
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"[security] {string.Join('+', services)} matrix: {calls} calls, {endpoints.Count} endpoints x {callers} callers + {owned?.Count ?? 0} owned resources; unexpected successes: {unexpectedSuccesses}; known ownership holes: {holes.Count}"));
        lines.AddRange(holes.Select(h => $"known ownership hole: {h}"));
        Assert.True(unexpected.Count == 0, "Unexpected outcomes:\n" + string.Join('\n', unexpected));
        Assert.Equal(0, unexpectedSuccesses);
        return lines;
    }

    /// <summary>An endpoint as the arguments name it: <c>"METHOD /route/pattern"</c> (a group's list as <c>/api/leads</c>, not <c>/api/leads/</c>).</summary>
    private static string Name(RouteEndpoint endpoint) =>
        $"{endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods[0] ?? "GET"} {endpoint.RoutePattern.RawText!.TrimEnd('/')}";

    /// <summary>The people of the role table as the matrix calls: rep, other rep, team lead, manager, admin.</summary>
    private static readonly (string Name, CallerIdentity Identity)[] People =
    [
        ("rep", TestIdentity.Person(PersonRoles.Rep, Rep, Team)),
        ("other rep", TestIdentity.Person(PersonRoles.Rep, OtherRep, OtherTeam)),
        ("team lead", TestIdentity.Person(PersonRoles.TeamLead, "matrix-lead", Team)),
        ("manager", TestIdentity.Person(PersonRoles.Manager, subject: "matrix-manager")),
        ("admin", TestIdentity.Person(PersonRoles.Admin, subject: "matrix-admin")),
    ];

    /// <summary>Who reads an owned resource, and whether they may see it.</summary>
    private static IEnumerable<(string Name, CallerIdentity Identity, bool Sees)> Owners(OwnedResource resource)
    {
        yield return ("owner rep", TestIdentity.Person(PersonRoles.Rep, resource.OwnerRep, resource.OwnerTeam), true);
        yield return ("other rep", TestIdentity.Person(PersonRoles.Rep, OtherRep, OtherTeam), false);
        if (resource.OwnerTeam is not null)
        {
            yield return ("owner's team lead", TestIdentity.Person(PersonRoles.TeamLead, "matrix-lead", resource.OwnerTeam), true);
        }

        yield return ("other team's lead", TestIdentity.Person(PersonRoles.TeamLead, "matrix-other-lead", OtherTeam), false);
        yield return ("manager", TestIdentity.Person(PersonRoles.Manager, subject: "matrix-manager"), true);
        yield return ("admin", TestIdentity.Person(PersonRoles.Admin, subject: "matrix-admin"), true);
    }

    /// <summary>How many items a list answer holds (a JSON array, or an object with <c>items</c>); null for a single record.</summary>
    private static int? Listed(string body)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(body);
        return node switch
        {
            System.Text.Json.Nodes.JsonArray array => array.Count,
            System.Text.Json.Nodes.JsonObject o when o["items"] is System.Text.Json.Nodes.JsonArray items => items.Count,
            _ => null,
        };
    }

    private static string PathOf(string pattern) =>
        string.Join('/', pattern.Split('/').Select(segment => segment.StartsWith('{') ? "matrix-" + Guid.NewGuid().ToString("N")[..8] : segment));

    private static string ForeignToken(string scope)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issuer = new InternalIdentityIssuer(Options.Create(new InternalIdentityOptions { SigningKeyPem = key.ExportPkcs8PrivateKeyPem() }), TimeProvider.System);
        return issuer.TokenFor(TestIdentity.Key("forger", scope));
    }

    private static string ExpiredToken(string scope)
    {
        var past = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using var issuer = new InternalIdentityIssuer(Options.Create(new InternalIdentityOptions { SigningKeyPem = TestIdentity.SigningKeyPem }), past);
        return issuer.TokenFor(TestIdentity.Key("expired", scope));
    }
}
