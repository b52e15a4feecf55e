using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// What each port serves, decided by the local port the connection arrived on (never by the Host header, which the
/// client writes): the management port serves only <c>/health/*</c>, <c>/metrics</c> and <c>/admin/*</c>; the HTTP
/// port never serves those; the gRPC port (when <c>Ports:Grpc</c> &gt; 0) serves only gRPC calls (content type
/// <c>application/grpc…</c>), and neither the API nor the management paths even then. Anything else is a 404 problem. A connection without a socket (TestServer: local port 0)
/// counts as the HTTP port.
/// </summary>
internal sealed class PortPolicy
{
    private static readonly string[] ManagementSegments = ["health", "metrics", "admin"];

    private readonly RequestDelegate _next;
    private readonly ServicePorts _ports;

    public PortPolicy(RequestDelegate next, ServicePorts ports)
    {
        Validate(ports);
        _next = next;
        _ports = ports;
    }

    public enum Role
    {
        Http,
        Grpc,
        Management,
    }

    public Task InvokeAsync(HttpContext context)
    {
        var detail = Reject(RoleOf(context.Connection.LocalPort, _ports), context.Request);
        return detail is null
            ? _next(context)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail).ExecuteAsync(context);
    }

    public static Role RoleOf(int localPort, ServicePorts ports)
    {
        if (localPort > 0 && localPort == ports.Management)
        {
            return Role.Management;
        }

        return localPort > 0 && ports.Grpc > 0 && localPort == ports.Grpc ? Role.Grpc : Role.Http;
    }

    /// <summary>Why the request is not served on a port of this role, or null when it is.</summary>
    public static string? Reject(Role role, HttpRequest request) => role switch
    {
        Role.Management when !IsManagementPath(request.Path.Value, strict: true) =>
            "The management port serves only /health, /metrics and /admin; call the API on the HTTP port.",
        Role.Http when IsManagementPath(request.Path.Value, strict: false) =>
            "Health, metrics and administration are served on the management port only.",
        Role.Grpc when !(request.ContentType ?? "").StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
                       || IsManagementPath(request.Path.Value, strict: false)
                       || IsFirstSegment(request.Path.Value, "api", strict: false) =>
            "The gRPC port serves only gRPC calls (content type application/grpc).",
        _ => null,
    };

    private static void Validate(ServicePorts ports)
    {
        if (ports.Http == ports.Management || (ports.Grpc > 0 && (ports.Grpc == ports.Http || ports.Grpc == ports.Management)))
        {
            throw new InvalidOperationException(
                $"Ports:Http ({ports.Http}), Ports:Grpc ({ports.Grpc}) and Ports:Management ({ports.Management}) must be different ports.");
        }
    }

    /// <summary>
    /// Whether the path's first segment is health, metrics or admin. Strict (the management port's allow-list): the
    /// path must start with it. Lenient (the HTTP port's deny-list): empty segments before it are skipped too, so
    /// <c>//metrics</c> is refused as well.
    /// </summary>
    private static bool IsManagementPath(string? path, bool strict) =>
        Array.Exists(ManagementSegments, segment => IsFirstSegment(path, segment, strict));

    private static bool IsFirstSegment(string? path, string segment, bool strict)
    {
        var rest = (path ?? "").AsSpan();
        if (rest.Length == 0 || rest[0] != '/')
        {
            return false;
        }

        rest = strict ? rest[1..] : rest.TrimStart('/');
        var end = rest.IndexOf('/');
        var first = end < 0 ? rest : rest[..end];
        return first.Equals(segment, StringComparison.OrdinalIgnoreCase);
    }
}
