using Crm.ServiceDefaults.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Health;

/// <summary>GETs a backend's readiness URL (its management port); 2xx is Healthy.</summary>
public sealed class BackendHealthCheck(IHttpClientFactory clients, Uri url) : IHealthCheck
{
    public const string HttpClientName = "gateway-backend-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = clients.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"{url} answered {(int)response.StatusCode}.")
                : new HealthCheckResult(context.Registration.FailureStatus, $"{url} answered {(int)response.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{url} did not answer: {ex.Message}");
        }
    }
}

/// <summary>One readiness check per backend with <c>Gateway:Backends:&lt;name&gt;:Health</c> configured.</summary>
public static class BackendHealth
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddBackendHealthChecks(this IServiceCollection services)
    {
        services.AddHttpClient(BackendHealthCheck.HttpClientName, client => client.Timeout = Timeout);

        // Registered from the bound options (not at build time) so every configuration source is already applied.
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<GatewayOptions>>((health, gateway) =>
        {
            foreach (var (name, backend) in gateway.Value.Backends.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                if (backend.Health is not { } url)
                {
                    continue;
                }

                health.Registrations.Add(new HealthCheckRegistration(
                    $"backend-{name}",
                    sp => new BackendHealthCheck(sp.GetRequiredService<IHttpClientFactory>(), url),
                    backend.Required ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                    [CrmHost.ReadyTag],
                    Timeout));
            }
        });
        return services;
    }
}
