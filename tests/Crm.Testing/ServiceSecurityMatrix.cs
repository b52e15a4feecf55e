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
/// an expired one, one holding every scope but the endpoint's, and one holding exactly the endpoint's. Only the last
/// may pass the service's security (it may still get 400 or 404 from the endpoint itself).
/// </summary>
public static class ServiceSecurityMatrix
{
    /// <summary>
    /// Runs the matrix; returns one line per call, and fails listing every unexpected outcome. <paramref name="queries"/>
    /// gives a query string per <c>"METHOD /route/pattern"</c> where the endpoint has rules of its own on parameters.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RunAsync<T>(WebApplicationFactory<T> factory, IReadOnlyDictionary<string, string>? queries = null)
        where T : class
    {
        var endpoints = factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotEmpty(endpoints);

        var lines = new List<string>();
        var unexpected = new List<string>();
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

            if (scope is null)
            {
                unexpected.Add($"{method} {path}: no scope required (every /api endpoint must declare one)");
                continue;
            }

            var needed = Scopes.Of(scope.Service, scope.Access);
            var others = Scopes.All.Where(s => s != needed && s != Scopes.Of(scope.Service, Access.Admin)
                                              && !(scope.Access == Access.Admin && s.StartsWith(scope.Service + ":", StringComparison.Ordinal))).ToArray();
            var cases = new (string Name, string? Token, Func<HttpStatusCode, bool> Expected)[]
            {
                ("no identity", null, s => s == HttpStatusCode.Unauthorized),
                ("signed by another key", ForeignToken(needed), s => s == HttpStatusCode.Unauthorized),
                ("expired", ExpiredToken(needed), s => s == HttpStatusCode.Unauthorized),
                ("every other scope", TestIdentity.TokenFor(TestIdentity.Key("matrix-others", others)), s => s == HttpStatusCode.Forbidden),
                ($"exactly {needed}", TestIdentity.TokenFor(TestIdentity.Key("matrix-exact", needed)), s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)),
                ($"{scope.Service}:admin", TestIdentity.TokenFor(TestIdentity.Key("matrix-admin", Scopes.Of(scope.Service, Access.Admin))), s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)),
            };
            foreach (var (name, token, expected) in cases)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                if (method is not ("GET" or "HEAD" or "DELETE"))
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                request.Headers.Authorization = token is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await client.SendAsync(request);
                var line = string.Create(CultureInfo.InvariantCulture, $"{method} {path} needs {needed}; {name} -> {(int)response.StatusCode}");
                lines.Add(line);
                if (!expected(response.StatusCode))
                {
                    unexpected.Add(line);
                }
            }
        }

        Assert.True(unexpected.Count == 0, "Unexpected outcomes:\n" + string.Join('\n', unexpected));
        return lines;
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
