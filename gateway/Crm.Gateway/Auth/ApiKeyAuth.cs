using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Crm.Gateway.Auth;

/// <summary>
/// API-key authentication (<see cref="GatewayAccess"/> on every <c>/api</c> request) and the policy of the gateway's own
/// endpoints, <see cref="ScopedPolicy"/> (the caller holds the scope the route needs, see <see cref="RouteScopes"/>).
/// </summary>
public static class ApiKeyAuth
{
    public const string Scheme = "ApiKey";
    public const string ScopedPolicy = "api-key-scoped";
    public const string KeyNameClaim = "crm:api_key";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyRegistry>();
        services.AddSingleton<Keys.ApiKeyLookup>();
        // No default scheme: ASP.NET Core's authentication middleware (which WebApplication adds by itself) then
        // authenticates nothing on its own; GatewayAccess names the scheme of each request.
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, _ => { });
        services.AddAuthorizationBuilder()
            // PeopleAuth.Scheme: an API key or a person's JWT, whichever the bearer token is.
            .AddPolicy(ScopedPolicy, policy => policy.AddAuthenticationSchemes(PeopleAuth.Scheme).RequireAuthenticatedUser().AddRequirements(new RouteScopeRequirement()));
        services.AddSingleton<IAuthorizationHandler, RouteScopeHandler>();
        return services;
    }
}
