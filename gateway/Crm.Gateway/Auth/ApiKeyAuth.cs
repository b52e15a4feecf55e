using Microsoft.AspNetCore.Authentication;

namespace Crm.Gateway.Auth;

/// <summary>API-key authentication and the policy every <c>/api</c> endpoint requires.</summary>
public static class ApiKeyAuth
{
    public const string Scheme = "ApiKey";
    public const string Policy = "api-key";
    public const string KeyNameClaim = "crm:api_key";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyRegistry>();
        services.AddAuthentication(Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }
}
