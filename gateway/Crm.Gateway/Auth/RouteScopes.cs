using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authorization;

namespace Crm.Gateway.Auth;

/// <summary>
/// The gateway's own check, before anything is forwarded: <c>/api/&lt;service&gt;/…</c> needs a scope of that
/// service, <c>read</c> for GET / HEAD / OPTIONS and <c>write</c> otherwise (admin holds both). Finer rules (admin-only
/// endpoints, what a person owns) are the services' own, checked again there on the signed identity. The gateway's
/// own API (<c>/api/gateway/…</c>: API keys) is administration only: <c>gateway:admin</c>.
/// </summary>
public static class RouteScopes
{
    /// <summary>The scope a request needs, or null when its path names no service.</summary>
    public static RequiredScope? Of(HttpRequest request)
    {
        var path = request.Path.Value;
        if (path is null || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = path.AsSpan(5);
        var end = rest.IndexOf('/');
        var service = (end < 0 ? rest : rest[..end]).ToString().ToLowerInvariant();
        return !Scopes.Services.Contains(service) ? null
            : service == GatewayService.Name ? new RequiredScope(service, Access.Admin)
            : new RequiredScope(service, Scopes.ForMethod(request.Method));
    }
}

internal sealed class RouteScopeRequirement : IAuthorizationRequirement;

internal sealed class RouteScopeHandler : AuthorizationHandler<RouteScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RouteScopeRequirement requirement)
    {
        if (context.Resource is HttpContext http
            && http.Caller() is { } caller
            && RouteScopes.Of(http.Request) is { } needed
            && caller.Can(needed.Service, needed.Access))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
