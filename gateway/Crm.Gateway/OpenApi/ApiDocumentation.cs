using System.Text.Json.Nodes;
using Crm.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Yarp.ReverseProxy.Configuration;

namespace Crm.Gateway.OpenApi;

/// <summary><c>Gateway:OpenApi</c>: how the gateway collects the services' documents.</summary>
public sealed class ApiDocumentationOptions
{
    public const string Section = "Gateway:OpenApi";

    /// <summary>How often the services' documents are fetched again (also fetched on the first request).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>While a service's document is missing or stale, a request fetches again when the last try is older than this.</summary>
    public TimeSpan RetryMissingAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one service may take to answer before its last good document (or none) is used.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The platform's public API description: <c>/openapi.json</c> (the services' documents merged by
/// <see cref="OpenApiMerge"/>) and the reference page <c>/docs</c> (Scalar, served from the package: no CDN). Both are
/// public, on the HTTP port. Each cluster's document comes from its first destination + <see cref="CrmOpenApi.DocumentPath"/>;
/// the gateway's own endpoints come from its own document (the same <see cref="CrmOpenApi"/> registration every service
/// uses), so gateway endpoints mapped with OpenAPI metadata appear in the merged document without more code here.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentPath = "/openapi.json";
    public const string ReferencePath = "/docs";
    public const string HttpClientName = "openapi";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiDocumentationOptions>().Bind(configuration.GetSection(ApiDocumentationOptions.Section));
        services.AddHttpClient(HttpClientName);
        services.AddSingleton<ApiDocumentCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiDocumentCollector>());
        return services;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapGet(DocumentPath, async (ApiDocumentCollector collector, CancellationToken cancellationToken) =>
                Results.Text(await collector.GetJsonAsync(cancellationToken), "application/json"))
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("CRM platform API")
                .WithOpenApiRoutePattern(DocumentPath)
                .DisableDefaultFonts()
                .DisableTelemetry())
            .AllowAnonymous();
        return app;
    }
}

/// <summary>
/// Fetches every cluster's document (on the first request, then every <see cref="ApiDocumentationOptions.RefreshInterval"/>,
/// and on a request while one is missing or stale, at most every <see cref="ApiDocumentationOptions.RetryMissingAfter"/>), keeps the last good one per service, and merges them. A service that does not
/// answer keeps its last good document (marked stale) or is listed as unavailable.
/// </summary>
public sealed class ApiDocumentCollector(
    IProxyConfigProvider proxy,
    IHttpClientFactory clients,
    IServiceProvider services,
    IOptions<ApiDocumentationOptions> options,
    TimeProvider time,
    ILogger<ApiDocumentCollector> logger) : BackgroundService
{
    private readonly Dictionary<string, ApiSource> _sources = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private string? _json;
    private DateTimeOffset _refreshedAt;
    private bool _complete;

    /// <summary>The merged document, fetching first when it is missing or older than the refresh interval.</summary>
    public async Task<string> GetJsonAsync(CancellationToken cancellationToken)
    {
        var json = Volatile.Read(ref _json);
        var age = time.GetUtcNow() - _refreshedAt;
        if (json is null || age > options.Value.RefreshInterval || (!_complete && age > options.Value.RetryMissingAfter))
        {
            await RefreshAsync(cancellationToken);
        }

        return Volatile.Read(ref _json)!;
    }

    /// <summary>Fetches every document now and merges them.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var clusters = proxy.GetConfig().Clusters
                .Where(c => c.Destinations?.Count > 0)
                .OrderBy(c => c.ClusterId, StringComparer.Ordinal)
                .ToList();
            var fetched = await Task.WhenAll(clusters.Select(c => FetchAsync(c.ClusterId, c.Destinations!.Values.First().Address, cancellationToken)));
            var sources = new List<ApiSource>();
            foreach (var (name, document, problem) in fetched)
            {
                var previous = _sources.GetValueOrDefault(name);
                var source = document is not null
                    ? new ApiSource(name, document, null, time.GetUtcNow())
                    : new ApiSource(name, previous?.Document, problem, previous?.FetchedAt);
                _sources[name] = source;
                sources.Add(source);
            }

            sources.Add(await OwnDocumentAsync(cancellationToken));
            var merged = OpenApiMerge.Merge(sources);
            Volatile.Write(ref _json, merged.ToJsonString());
            _refreshedAt = time.GetUtcNow();
            _complete = sources.TrueForAll(s => s.Document is not null && !s.IsStale);
        }
        finally
        {
            _refresh.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first request fetches (services may still be starting with the gateway); then every interval.
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Refreshing the merged OpenAPI document failed");
            }
        }
    }

    private async Task<(string Name, JsonObject? Document, string? Problem)> FetchAsync(string name, string address, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(address.EndsWith('/') ? address : address + "/"), CrmOpenApi.DocumentPath.TrimStart('/'));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.FetchTimeout);
            using var client = clients.CreateClient(ApiDocumentation.HttpClientName);
            using var response = await client.GetAsync(url, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (name, null, $"{url} answered {(int)response.StatusCode}");
            }

            var node = JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            return node is JsonObject document ? (name, document, null) : (name, null, $"{url} is not a JSON object");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The OpenAPI document of {Service} could not be fetched from {Url}: {Reason}", name, url, ex.Message);
            return (name, null, ex is OperationCanceledException ? $"{url} did not answer in time" : $"{url}: {ex.Message}");
        }
    }

    /// <summary>The gateway's own endpoints, described like every service's (in-process, no request).</summary>
    private async Task<ApiSource> OwnDocumentAsync(CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(CrmOpenApi.DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        using var stream = new MemoryStream();
        await document.SerializeAsJsonAsync(stream, OpenApiSpecVersion.OpenApi3_1, cancellationToken);
        stream.Position = 0;
        return new ApiSource(GatewayService.Name, JsonNode.Parse(stream)?.AsObject(), null, time.GetUtcNow());
    }
}
