using System.Text.Json.Nodes;
using Crm.Analytics;
using Crm.Assignment;
using Crm.Contacts;
using Crm.Gateway;
using Crm.Gateway.OpenApi;
using Crm.Leads;
using Crm.Messaging;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.OpenApi.Tests;

/// <summary>One mapped <c>/api</c> endpoint of a service: method, route template and the scope it requires.</summary>
public sealed record MappedEndpoint(string Service, string Method, string Path, string? Scope);

/// <summary>
/// Every service in-process (its real endpoints, as its own API tests start it), each one's document fetched from
/// <see cref="CrmOpenApi.DocumentPath"/> on its HTTP port, and the documents merged exactly as the gateway merges them.
/// Also compiled into Crm.Gateway.Tests, whose security matrix takes its routes from <see cref="Merged"/>.
/// </summary>
public sealed class PlatformDocument : IAsyncLifetime
{
    public JsonObject Merged { get; private set; } = null!;

    public Dictionary<string, JsonObject> ServiceDocuments { get; } = new(StringComparer.Ordinal);

    public List<MappedEndpoint> Endpoints { get; } = [];

    public async Task InitializeAsync()
    {
        var sources = new List<ApiSource>
        {
            await DescribeAsync(new CrmServiceFactory<AnalyticsEntryPoint>(), AnalyticsService.Name),
            await DescribeAsync(new CrmServiceFactory<AssignmentEntryPoint>(), AssignmentService.Name),
            await DescribeAsync(new CrmServiceFactory<ContactsEntryPoint>(), ContactsService.Name),
            await DescribeAsync(new CrmServiceFactory<LeadsEntryPoint>(), LeadsService.Name),
            await DescribeAsync(new CrmServiceFactory<MessagingEntryPoint>(), MessagingService.Name),
            await DescribeAsync(Gateway(), GatewayService.Name),
        };
        Merged = OpenApiMerge.Merge(sources);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The gateway describes its own endpoints (API keys) like a service; it needs its signing key and a key.</summary>
    private static CrmServiceFactory<GatewayEntryPoint> Gateway()
    {
        var gateway = new CrmServiceFactory<GatewayEntryPoint>();
        gateway.Settings["Identity:SigningKeyPem"] = TestIdentity.SigningKeyPem;
        gateway.Settings["Gateway:BootstrapAdminKey"] = "a-long-enough-bootstrap-admin-key-for-tests";
        return gateway;
    }

    private async Task<ApiSource> DescribeAsync<T>(CrmServiceFactory<T> factory, string name)
        where T : class
    {
        await using (factory)
        {
            using var client = factory.CreateClient().As(null);
            using var response = await client.GetAsync(new Uri(CrmOpenApi.DocumentPath, UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{name}: GET {CrmOpenApi.DocumentPath} without identity answered {(int)response.StatusCode}: {text}");
            var document = JsonNode.Parse(text)!.AsObject();
            ServiceDocuments[name] = document;

            foreach (var endpoint in factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
            {
                var template = endpoint.RoutePattern.RawText;
                if (template?.StartsWith("/api", StringComparison.Ordinal) != true
                    || (name == GatewayService.Name && !template.StartsWith("/api/gateway/", StringComparison.Ordinal)))
                {
                    // The gateway's proxy routes and its 404 for unknown paths are the services' endpoints, described by them.
                    continue;
                }

                foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                {
                    Endpoints.Add(new MappedEndpoint(name, method, template, endpoint.Metadata.GetMetadata<RequiredScope>()?.ToString()));
                }
            }

            return new ApiSource(name, document, null, DateTimeOffset.UtcNow);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformDocumentCollection : ICollectionFixture<PlatformDocument>
{
    public const string Name = "platform document";
}
