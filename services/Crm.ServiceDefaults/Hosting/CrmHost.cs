using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// What every CRM process sets up the same way: ports, OpenTelemetry, health, ProblemDetails, strict JSON and the
/// OpenAPI document of its <c>/api</c> (<see cref="CrmOpenApi"/>).
/// </summary>
public static class CrmHost
{
    /// <summary>Tag of the health checks that decide readiness (store, broker).</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddSingleton(TimeProvider.System);

        var ports = builder.Configuration.GetSection(ServicePorts.Section).Get<ServicePorts>() ?? new ServicePorts();
        builder.Services.AddSingleton(ports);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Listen(kestrel, ports.Bind, ports.Http, HttpProtocols.Http1);
            if (ports.Grpc > 0)
            {
                Listen(kestrel, ports.Bind, ports.Grpc, HttpProtocols.Http2);
            }

            Listen(kestrel, ports.Bind, ports.Management, HttpProtocols.Http1);
        });

        builder.AddTelemetry(serviceName);

        // IHttpClientFactory logs four Information lines per call (every gRPC call between services): noise at volume.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        // One line per entry, stamped in UTC to the millisecond: logs of several processes can be merged and compared
        // with the broker's (an exception's stack trace still follows on its own lines).
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        builder.Services.AddHealthChecks();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsDefaults.Customize);
        builder.Services.AddExceptionHandler<CrmExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        builder.AddCrmOpenApi(serviceName);
        return builder;
    }

    /// <summary>The platform's JSON rules: camelCase, enums as lower-case strings, times in UTC with Z, unknown properties rejected.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.Converters.Add(new UtcDateTimeOffsetJsonConverter());
    }

    /// <summary>
    /// Error handling, request ids, the port policy (<see cref="PortPolicy"/>: health, metrics and the operator
    /// endpoints only on the management port, never the API there, only gRPC on the gRPC port), health endpoints and
    /// Prometheus metrics.
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<PortPolicy>();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthReport.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapCrmOpenApi();
        if (app.Services.GetService<IDocumentStore>() is not null)
        {
            app.MapStorageAdministration();
        }

        if (app.Services.GetService<MessagingService>() is { } messaging)
        {
            app.MapDeadLetterAdministration(messaging.Name);
        }

        app.MapCrashPoints();

        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, string bind, int port, HttpProtocols protocols)
    {
        if (bind is "*" or "")
        {
            kestrel.ListenAnyIP(port, o => o.Protocols = protocols);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(bind), port, o => o.Protocols = protocols);
        }
    }

    /// <summary>
    /// Instruments recorded on every request that say nothing <c>http.server.request.duration</c> (by route and status)
    /// and <c>http.client.request.duration</c> (by backend) do not: each costs a histogram or counter update per
    /// request, and the gateway records them all on every forwarded call (measured with perf in its benchmark).
    /// </summary>
    internal static readonly string[] DroppedInstruments =
    [
        "aspnetcore.routing.match_attempts",
        "aspnetcore.authentication.authenticate.duration",
        "aspnetcore.authorization.attempts",
        "http.client.request.time_in_queue",
        "http.client.active_requests",
    ];

    /// <summary>The category of ASP.NET Core's per-request diagnostics (Activity, logging scope, request lines).</summary>
    internal const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private static MeterProviderBuilder DropPerRequestDetail(this MeterProviderBuilder metrics)
    {
        foreach (var instrument in DroppedInstruments)
        {
            metrics.AddView(instrument, MetricStreamConfiguration.Drop);
        }

        return metrics;
    }

    private static void AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService($"crm-{serviceName}"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter(StorageMetrics.MeterName)
                .AddMeter(Messaging.MessagingMetrics.MeterName)
                .DropPerRequestDetail()
                .AddPrometheusExporter());

        // Spans and log records are only built when they go somewhere: without an OTLP endpoint they would be
        // created for every request and message and dropped (measured: about 4 % of the platform's CPU per lead).
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // ASP.NET Core starts an Activity and a logging scope for every request whenever this category may log,
            // for nobody here: its own entries are the per-request "Request starting / finished" lines (Information,
            // already filtered out). Measured in the gateway benchmark: about 20 µs of CPU per proxied request.
            builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
            return;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        otel.WithTracing(tracing => tracing
                .AddSource(serviceName)
                .AddSource("MassTransit")
                .AddSource(StorageMetrics.MeterName)
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
    }
}
