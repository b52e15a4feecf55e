using System.Reflection;

namespace Crm.Gateway.Dashboard;

/// <summary>
/// The managers' dashboard at <c>/dashboard/</c>: static files (HTML, CSS, JavaScript and the chart.js bundle from npm,
/// <c>Dashboard/wwwroot</c>) embedded in the gateway's assembly and served by the gateway itself, public like
/// <c>/docs</c>. The page holds no data and no credential: it asks for the caller's API key or token once, keeps it
/// in the tab's <c>sessionStorage</c> and sends it as <c>Authorization: Bearer</c> on every <c>/api</c> call, which the
/// gateway checks like any other (same origin, so no CORS). Served here and not by Analytics because the gateway is the
/// only public door: a page behind a proxied route would need an anonymous route into a service.
/// </summary>
public static class DashboardPage
{
    public const string Path = "/dashboard";

    /// <summary>Embedded resources of the page are named <c>dashboard/&lt;relative path&gt;</c> (see the project file).</summary>
    private const string ResourcePrefix = "dashboard/";

    /// <summary>
    /// Scripts, styles, images and calls only from the gateway's own origin; no inline script, no framing, no plugin.
    /// The page's own style attributes are set by chart.js through the DOM, which CSP style-src does not restrict.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    };

    private static readonly Assembly Assembly = typeof(DashboardPage).Assembly;

    /// <summary>The page's files by path below <see cref="Path"/> (<c>index.html</c>, <c>vendor/chart.umd.min.js</c>...).</summary>
    public static IReadOnlyList<string> Files { get; } = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToList();

    public static WebApplication MapDashboard(this WebApplication app)
    {
        // Also matches the bare path, which is sent to "/dashboard/" (the page names its files relative to it).
        app.MapGet(Path + "/{**file}", ServeAsync)
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    private static async Task ServeAsync(HttpContext context, string? file)
    {
        if (string.IsNullOrEmpty(file) && context.Request.Path.Value?.EndsWith('/') != true)
        {
            context.Response.Redirect(Path + "/" + context.Request.QueryString);
            return;
        }

        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        var extension = System.IO.Path.GetExtension(name);
        await using var stream = name.Contains("..", StringComparison.Ordinal) || !ContentTypes.TryGetValue(extension, out _)
            ? null
            : Assembly.GetManifestResourceStream(ResourcePrefix + name);
        if (stream is null)
        {
            await GatewayProblems.WriteAsync(context, StatusCodes.Status404NotFound, "No such file.", $"The dashboard has no file '{name}'.");
            return;
        }

        var headers = context.Response.Headers;
        context.Response.ContentType = ContentTypes[extension];
        context.Response.ContentLength = stream.Length;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // The page itself always fresh (a new gateway version brings new scripts); the files it names are cached briefly.
        headers.CacheControl = extension == ".html" ? "no-cache" : "public, max-age=300";
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
