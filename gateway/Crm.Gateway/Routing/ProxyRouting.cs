using System.Net.Http.Headers;
using Crm.Gateway.Auth;
using Crm.Gateway.Limits;
using Crm.ServiceDefaults.Security;
using Yarp.ReverseProxy.Transforms;

namespace Crm.Gateway.Routing;

/// <summary>
/// YARP with routes and clusters from the <c>ReverseProxy</c> section: paths are forwarded unchanged, the caller's
/// credential stays at the gateway and the service gets the gateway's signed identity of the caller instead
/// (<c>Authorization: Bearer &lt;ES256 JWT&gt;</c>, see <see cref="InternalIdentityIssuer"/>), and the request id the
/// caller gets back is the one the service sees.
/// </summary>
public static class ProxyRouting
{
    public const string Section = "ReverseProxy";
    public const string RequestIdHeader = "X-Request-Id";
    /// <summary>Sent by earlier versions; removed from incoming requests so that no service could ever trust it.</summary>
    public const string KeyNameHeader = "X-Api-Key-Name";

    public static IServiceCollection AddGatewayProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(Section))
            .AddTransforms(transforms =>
            {
                transforms.AddRequestHeaderRemove("Authorization");
                transforms.AddRequestHeaderRemove(KeyNameHeader);
                transforms.AddRequestTransform(context =>
                {
                    var headers = context.ProxyRequest.Headers;
                    var requestId = RequestIdOf(context.HttpContext);
                    headers.Remove(RequestIdHeader);
                    headers.TryAddWithoutValidation(RequestIdHeader, requestId);
                    if (context.HttpContext.Caller() is { } caller)
                    {
                        var issuer = context.HttpContext.RequestServices.GetRequiredService<InternalIdentityIssuer>();
                        headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.TokenFor(caller));
                    }

                    return ValueTask.CompletedTask;
                });
                transforms.AddResponseTransform(context =>
                {
                    // The service echoes the id and YARP appends it to the one the gateway set before forwarding (the
                    // same value): keep the first, a single value.
                    var headers = context.HttpContext.Response.Headers;
                    if (headers[RequestIdHeader] is { Count: > 1 } ids)
                    {
                        headers[RequestIdHeader] = ids[0];
                    }

                    return ValueTask.CompletedTask;
                });
            });
        return services;
    }

    /// <summary>
    /// The proxy plus a 404 for any other <c>/api</c> path; both count against the key's limit. Who may call them
    /// (any valid caller; the route's scope for the proxied routes) is checked before, by <see cref="GatewayAccess"/>.
    /// </summary>
    public static WebApplication MapGatewayProxy(this WebApplication app)
    {
        app.MapReverseProxy();

        app.Map("/api/{**rest}", (HttpContext context) => Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such API route.",
                detail: $"No route of the gateway matches '{context.Request.Path}'."))
            .WithOrder(int.MaxValue)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The shared RequestIdMiddleware has already put the caller's id (or a generated one) on the response; the
    /// service gets that same value.
    /// </summary>
    private static string RequestIdOf(HttpContext context)
    {
        var id = context.Response.Headers[RequestIdHeader].ToString();
        return string.IsNullOrWhiteSpace(id) ? context.TraceIdentifier : id;
    }
}
