using Crm.Gateway.Keys;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Crm.Gateway.Auth;

/// <summary>
/// Who calls <c>/api</c>, and whether they may, in one step per request (the gateway's hot path): the bearer token is
/// a person's JWT (validated by the <see cref="PeopleAuth.JwtScheme"/> handler) or an API key (<see cref="ApiKeyLookup"/>,
/// then its revocation, expiry and address rules); the caller, the key and a principal cached with the key are set on
/// the request; then the route's scope (<see cref="RouteScopes"/>) is checked. A missing or invalid credential is a 401
/// and a scope not held a 403, written by the scheme's handler (<see cref="ApiKeyAuthenticationHandler"/>, or the JWT
/// events of <see cref="PeopleAuth"/>), so the answers are the same whichever path found them. Other paths (the
/// dashboard, the API description) pass untouched.
/// </summary>
/// <remarks>
/// This replaces ASP.NET Core's authentication middleware and per-endpoint policies on the proxied routes: those built
/// two handlers, a ticket and a principal per request and evaluated a policy that authenticated again (measured in the
/// gateway benchmark: about a fifth of the gateway's own CPU). The gateway's own endpoints keep their policy, which
/// reads what this step found.
/// </remarks>
public sealed class GatewayAccess(RequestDelegate next, ApiKeyLookup keys, TimeProvider time, IOptions<PeopleOptions> people)
{
    /// <remarks>Not an async method: a cached key's request goes on to <paramref name="context"/>'s next step without a state machine of its own.</remarks>
    public Task InvokeAsync(HttpContext context)
    {
        // Routes open by design (a provider's signed webhook: the YARP route's AuthorizationPolicy "anonymous").
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }

        var scheme = PeopleAuth.SchemeOf(context.Request, people.Value);
        if (scheme == PeopleAuth.JwtScheme)
        {
            return PersonAsync(context, scheme);
        }

        var key = AuthenticateKeyAsync(context);
        return key.IsCompletedSuccessfully ? KeyChecked(context, scheme, key.Result) : KeyAsync(context, scheme, key);
    }

    private async Task PersonAsync(HttpContext context, string scheme)
    {
        var result = await context.AuthenticateAsync(scheme);
        if (!result.Succeeded)
        {
            await context.ChallengeAsync(scheme);
            return;
        }

        context.User = result.Principal;
        await Authorized(context, scheme);
    }

    private async Task KeyAsync(HttpContext context, string scheme, ValueTask<ApiKey?> key) =>
        await KeyChecked(context, scheme, await key);

    private Task KeyChecked(HttpContext context, string scheme, ApiKey? key)
    {
        if (key is null)
        {
            return context.ChallengeAsync(scheme);
        }

        context.User = key.Principal;
        return Authorized(context, scheme);
    }

    /// <summary>A valid token that names no CRM caller (unknown role, a rep without a rep id), or a scope not held: 403.</summary>
    private Task Authorized(HttpContext context, string scheme) =>
        context.Caller() is not { } caller
        || (RouteScopes.Of(context.Request) is { } needed && !caller.Can(needed.Service, needed.Access))
            ? context.ForbidAsync(scheme)
            : next(context);

    /// <summary>The API key of <c>Authorization: Bearer &lt;key&gt;</c> when it may be used now from this address, set on the request; else null (the refusal's reason kept for the 401).</summary>
    private async ValueTask<ApiKey?> AuthenticateKeyAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = header.AsSpan(prefix.Length).Trim();
        var key = presented.IsEmpty ? null : await keys.FindAsync(presented.ToString(), context.RequestAborted);
        if (key is null)
        {
            return null;
        }

        if (key.RefusalAt(time.GetUtcNow(), context.Connection.RemoteIpAddress) is { } refusal)
        {
            context.Items[ApiKeyAuthenticationHandler.RefusalItem] = refusal;
            return null;
        }

        context.Features.Set(key);
        context.Features.Set(key.Caller);
        return key;
    }
}
