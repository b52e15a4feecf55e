using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Crm.Gateway.Auth;

/// <summary>
/// API-key authentication and the policies of <c>/api</c>: <see cref="Policy"/> (any valid key, for the 404 of
/// unknown routes) and <see cref="ScopedPolicy"/> (the key holds the scope the route needs, see <see cref="RouteScopes"/>).
/// </summary>
public static class ApiKeyAuth
{
    public const string Scheme = "ApiKey";
    public const string Policy = "api-key";
    public const string ScopedPolicy = "api-key-scoped";
    public const string KeyNameClaim = "crm:api_key";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyRegistry>();
        services.AddSingleton<Keys.ApiKeyLookup>();
        services.AddAuthentication(Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, _ => { });
        services.AddAuthorizationBuilder()
            // PeopleAuth.Scheme: an API key or a person's JWT, whichever the bearer token is; either must name a caller.
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(PeopleAuth.Scheme).RequireAuthenticatedUser().RequireAssertion(c => (c.Resource as HttpContext)?.Caller() is not null))
            .AddPolicy(ScopedPolicy, policy => policy.AddAuthenticationSchemes(PeopleAuth.Scheme).RequireAuthenticatedUser().AddRequirements(new RouteScopeRequirement()));
        services.AddSingleton<IAuthorizationHandler, RouteScopeHandler>();
        return services;
    }
}
