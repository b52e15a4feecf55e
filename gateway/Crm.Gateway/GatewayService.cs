using Crm.Gateway.Auth;
using Crm.Gateway.Dashboard;
using Crm.Gateway.Health;
using Crm.Gateway.Keys;
using Crm.Gateway.Limits;
using Crm.Gateway.OpenApi;
using Crm.Gateway.Routing;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Gateway;

/// <summary>Everything the gateway registers and maps.</summary>
public static class GatewayService
{
    public const string Name = "gateway";

    /// <summary>The key appsettings.json ships for local runs only.</summary>
    public const string DevelopmentKey = "crm-dev-key";

    public static WebApplicationBuilder AddGatewayService(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();

        builder.Services.AddOptions<InternalIdentityOptions>()
            .Bind(builder.Configuration.GetSection(InternalIdentityOptions.Section))
            .Validate(o => o.LoadSigningKey() is { } key && key.KeySize == 256, $"{InternalIdentityOptions.Section}:SigningKeyPem or {InternalIdentityOptions.Section}:SigningKeyFile must hold the gateway's P-256 private key (PEM): it signs the identity every service verifies.")
            .ValidateOnStart();
        builder.Services.AddSingleton<InternalIdentityIssuer>();
        builder.AddCrmStorage(Name, KeyCollections.Keys);
        builder.Services.AddApiKeyAuth();
        builder.Services.AddAuthentication().AddPeopleAuth();
        builder.Services.AddSingleton<KeyRateLimiting>();
        builder.Services.AddSingleton<KeyAudit>();
        builder.Services.AddGatewayProxy(builder.Configuration);
        builder.Services.AddRouteTimeouts(builder.Configuration);
        builder.Services.AddBackendHealthChecks();
        builder.Services.AddApiDocumentation(builder.Configuration);
        builder.DescribeApi("Gateway: the platform's own endpoints (API keys are administered here).");
        return builder;
    }

    /// <summary>
    /// After the shared error handling, request ids and port policy: the limit on failed authentications per client
    /// address, the caller (an API key or a person's token, or 401) and its scope (or 403: <see cref="GatewayAccess"/>), the key's bucket and daily quota, the body limit, the route's
    /// timeout (<see cref="RouteTimeouts"/>: 504 when the service is slower), then the gateway's own API (keys) or the proxy. Health stays on the management port and is never proxied. The merged
    /// API description (<c>/openapi.json</c>) and its reference page (<c>/docs</c>) are public on the HTTP port.
    /// </summary>
    public static WebApplication MapGatewayService(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<KeyRateLimiting>();
        app.Use(limits.LimitFailedAuthenticationsAsync);
        app.UseAuthentication(); // without a default scheme it authenticates nothing by itself (else WebApplication adds it first)
        app.UseMiddleware<GatewayAccess>();
        app.UseAuthorization();
        app.Use(limits.LimitKeysAsync);
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRouteTimeouts();
        app.MapKeyEndpoints();
        app.MapGatewayProxy();
        app.MapApiDocumentation();
        app.MapDashboard();
        WarnAboutDevelopmentKey(app);
        return app;
    }

    private static void WarnAboutDevelopmentKey(WebApplication app)
    {
        var registry = app.Services.GetRequiredService<ApiKeyRegistry>();
        if (registry.Match(DevelopmentKey) is { } key && !app.Environment.IsDevelopment())
        {
            app.Logger.LogWarning(
                "The public development API key '{Key}' (named '{Name}') is accepted in environment {Environment} because Gateway:AllowPublicDevelopmentKey is true: never on a machine others can reach.",
                DevelopmentKey,
                key.Name,
                app.Environment.EnvironmentName);
        }
    }
}
