using Microsoft.AspNetCore.Http.Timeouts;

namespace Crm.Gateway.Routing;

/// <summary>
/// How long the gateway waits for a whole proxied request, per route: each YARP route names one of these policies
/// (<c>ReverseProxy:Routes:&lt;route&gt;:TimeoutPolicy</c>), whose durations come from <c>Gateway:Timeouts:&lt;policy&gt;</c>.
/// A backend slower than its route's timeout is cancelled and the caller gets a 504 ProblemDetails. YARP's per-cluster
/// <c>ActivityTimeout</c> (30 s without a byte either way) still applies underneath.
/// </summary>
public static class RouteTimeouts
{
    public const string Section = "Gateway:Timeouts";

    /// <summary>Reads and single writes (a capture, a patch, a stage move): every route without a longer policy.</summary>
    public const string Standard = "standard";

    /// <summary>Batches of up to 1,000 items (<c>POST /api/leads/batch</c>, <c>/api/leads/signals</c>).</summary>
    public const string Bulk = "bulk";

    /// <summary>A contact's personal-data export (every service asked).</summary>
    public const string Export = "export";

    /// <summary>An import upload (up to 1 GB in one request).</summary>
    public const string Upload = "upload";

    /// <summary>
    /// A server-sent event stream (<c>GET /api/analytics/live</c>): open for up to an hour, then ended (the page reconnects).
    /// It must send something more often than the cluster's 30 s <c>ActivityTimeout</c>.
    /// </summary>
    public const string Stream = "stream";

    /// <summary>The documented defaults (gateway README, "Timeouts").</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> Defaults = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase)
    {
        [Standard] = TimeSpan.FromSeconds(15),
        [Bulk] = TimeSpan.FromSeconds(60),
        [Export] = TimeSpan.FromMinutes(2),
        [Upload] = TimeSpan.FromMinutes(10),
        [Stream] = TimeSpan.FromHours(1),
    };

    /// <summary>
    /// One request-timeout policy per name of <see cref="Defaults"/> (and any other name under <see cref="Section"/>),
    /// its duration from configuration when set; answering 504 as ProblemDetails.
    /// </summary>
    public static IServiceCollection AddRouteTimeouts(this IServiceCollection services, IConfiguration configuration)
    {
        var configured = configuration.GetSection(Section);
        var timeouts = new Dictionary<string, TimeSpan>(Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in configured.GetChildren())
        {
            timeouts[entry.Key] = TimeSpan.TryParse(entry.Value, System.Globalization.CultureInfo.InvariantCulture, out var timeout) && timeout > TimeSpan.Zero
                ? timeout
                : throw new InvalidOperationException($"{Section}:{entry.Key} must be a positive duration (hh:mm:ss), not '{entry.Value}'.");
        }

        services.AddRequestTimeouts(options =>
        {
            foreach (var (name, timeout) in timeouts)
            {
                options.AddPolicy(name, new RequestTimeoutPolicy
                {
                    Timeout = timeout,
                    TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
                    WriteTimeoutResponse = context => TimedOutAsync(context, name, timeout),
                });
            }
        });
        return services;
    }

    /// <summary>
    /// The request-timeouts middleware, and the 504 when it fired: YARP sees the cancelled request like a caller that went
    /// away (it answers 400 without a body), so the answer is replaced here while nothing has been sent yet.
    /// </summary>
    public static WebApplication UseRouteTimeouts(this WebApplication app)
    {
        app.UseRequestTimeouts();
        app.Use(async (context, next) =>
        {
            await next(context);
            if (!context.Response.HasStarted
                && context.Features.Get<IHttpRequestTimeoutFeature>() is { RequestTimeoutToken.IsCancellationRequested: true }
                && context.GetEndpoint()?.Metadata.GetMetadata<RequestTimeoutAttribute>()?.PolicyName is { } policy
                && context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RequestTimeoutOptions>>().Value.Policies.TryGetValue(policy, out var timeout))
            {
                context.Response.Clear();
                await TimedOutAsync(context, policy, timeout.Timeout ?? TimeSpan.Zero);
            }
        });
        return app;
    }

    /// <summary>The 504 a caller gets when the backend did not answer within the route's timeout.</summary>
    public static Task TimedOutAsync(HttpContext context, string policy, TimeSpan timeout) =>
        GatewayProblems.WriteAsync(
            context,
            StatusCodes.Status504GatewayTimeout,
            "The service did not answer in time.",
            $"This route allows {timeout.TotalSeconds:0.###} s (timeout policy '{policy}'); the request was cancelled. Retrying a write is safe with an Idempotency-Key.");
}
