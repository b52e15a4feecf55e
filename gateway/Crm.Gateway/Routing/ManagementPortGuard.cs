using Crm.ServiceDefaults.Hosting;

namespace Crm.Gateway.Routing;

/// <summary>The management port serves health only: <c>/api</c> there is a 404, nothing is proxied from it.</summary>
public sealed class ManagementPortGuard(RequestDelegate next, ServicePorts ports)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (ports.Management != ports.Http
            && context.Connection.LocalPort == ports.Management
            && context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return GatewayProblems.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                "Not on the management port.",
                "The management port serves health only; call the API on the gateway's HTTP port.");
        }

        return next(context);
    }
}
