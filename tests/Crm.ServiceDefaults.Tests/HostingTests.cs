using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Messaging;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>Ports and health as every service gets them, on real sockets.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task Health_and_metrics_answer_only_on_the_management_port_and_the_api_only_on_the_http_port()
    {
        var http = FreePort.Next();
        var management = FreePort.Next();
        await using var app = await StartAsync(http, management);

        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/health/ready"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/health/ready"))).StatusCode);
        Assert.Equal("things", await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/api/test/things")));
        var metrics = await client.GetStringAsync(new Uri($"http://127.0.0.1:{management}/metrics"));
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("kestrel_active_connections", metrics, StringComparison.Ordinal);

        // Recorded on every request, and dropped: the route match count adds nothing to the request duration by route.
        Assert.DoesNotContain("aspnetcore_routing_match_attempts", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/metrics"))).StatusCode);
        Assert.Equal("{}", await client.GetStringAsync(new Uri($"http://127.0.0.1:{management}/admin/test")));
        await AssertNotFoundProblemAsync(await client.GetAsync(new Uri($"http://127.0.0.1:{http}/admin/test")));
    }

    [Fact]
    public async Task Crash_points_are_armed_only_on_the_management_port_of_a_process_started_with_faults_enabled()
    {
        var http = FreePort.Next();
        var management = FreePort.Next();
        using var client = new HttpClient();
        var arm = () => JsonContent.Create(new { point = CrashPoints.ConsumeBeforeCommit, after = 1_000_000_000 });
        await using (var _ = await StartAsync(http, management))
        {
            await AssertNotFoundProblemAsync(await client.PostAsync(new Uri($"http://127.0.0.1:{management}/admin/faults/crash"), arm()));
        }

        http = FreePort.Next();
        management = FreePort.Next();
        await using var app = await StartAsync(http, management, faults: true);
        await AssertNotFoundProblemAsync(await client.PostAsync(new Uri($"http://127.0.0.1:{http}/admin/faults/crash"), arm()));

        // Every bad field named at once.
        using var bad = await client.PostAsync(new Uri($"http://127.0.0.1:{management}/admin/faults/crash"), JsonContent.Create(new { point = "nowhere", after = 0 }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Equal(["after", "point"], problem!.Errors.Keys.Order(StringComparer.Ordinal));

        // Armed so far ahead that no consumer of this test process gets there; then disarmed.
        using var armed = await client.PostAsync(new Uri($"http://127.0.0.1:{management}/admin/faults/crash"), arm());
        Assert.Equal(HttpStatusCode.Accepted, armed.StatusCode);
        var state = await client.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{management}/admin/faults"));
        Assert.Equal(CrashPoints.ConsumeBeforeCommit, state.GetProperty("armed").GetString());
        Assert.Equal(1_000_000_000, state.GetProperty("after").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(new Uri($"http://127.0.0.1:{management}/admin/faults/crash"))).StatusCode);
        state = await client.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{management}/admin/faults"));
        Assert.Equal(JsonValueKind.Null, state.GetProperty("armed").ValueKind);
    }

    [Theory]
    [InlineData("/api/test/things")]
    [InlineData("/API/test/things")]
    [InlineData("//api/test/things")]
    [InlineData("/")]
    public async Task The_management_port_never_serves_the_api(string path)
    {
        var http = FreePort.Next();
        var management = FreePort.Next();
        await using var app = await StartAsync(http, management);
        using var client = new HttpClient();

        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{management}{path}"));

        await AssertNotFoundProblemAsync(response);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/api/test/things"))).StatusCode);
    }

    [Fact]
    public async Task A_forged_host_header_does_not_open_health_metrics_or_admin_on_the_http_port()
    {
        var http = FreePort.Next();
        var management = FreePort.Next();
        await using var store = await TestStore.CreateAsync(Backend.Sqlite, "test");
        await using var app = await StartAsync(http, management, services: s => s.AddSingleton(store.Store).AddSingleton(store.Signal));
        using var client = new HttpClient();

        // The operator endpoints exist (on the management port) ...
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/admin/outbox"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/admin/timers"))).StatusCode);

        // ... but a request on the HTTP port that claims to be for the management port gets none of them.
        foreach (var path in new[] { "/health/ready", "/health/live", "/metrics", "/admin/outbox", "/admin/timers", "/METRICS", "//metrics", "/Health/Ready" })
        {
            foreach (var host in new[] { $"localhost:{management}", $"127.0.0.1:{management}" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{http}{path}"));
                request.Headers.Host = host;
                using var response = await client.SendAsync(request);
                await AssertNotFoundProblemAsync(response, $"{path} with Host {host}");
            }
        }

        using var requeue = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{http}/admin/outbox/dead/requeue"));
        requeue.Headers.Host = $"localhost:{management}";
        await AssertNotFoundProblemAsync(await client.SendAsync(requeue));
    }

    [Fact]
    public async Task The_grpc_port_serves_only_grpc_calls()
    {
        var http = FreePort.Next();
        var grpc = FreePort.Next();
        var management = FreePort.Next();
        await using var app = await StartAsync(http, management, grpc, map: a => a.MapPost("/crm.test.Things/Get", () => Results.Text("called")));
        using var client = new HttpClient();

        // A gRPC call (content type application/grpc) passes the policy and reaches its endpoint.
        using var call = await client.SendAsync(H2(HttpMethod.Post, grpc, "/crm.test.Things/Get", "application/grpc"));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("called", await call.Content.ReadAsStringAsync());

        // Plain HTTP/2 requests on the gRPC port: the API, the same path without gRPC, health and metrics.
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Get, grpc, "/api/test/things", null)));
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Post, grpc, "/crm.test.Things/Get", "application/json")));
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Get, grpc, "/health/ready", null)));
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Get, grpc, "/metrics", null)));

        // Not even with a gRPC content type do the API and the management paths answer there.
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Get, grpc, "/api/test/things", "application/grpc")));
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Get, grpc, "/health/ready", "application/grpc")));
        await AssertNotFoundProblemAsync(await client.SendAsync(H2(HttpMethod.Post, grpc, "/admin/outbox/dead/requeue", "application/grpc")));
    }

    [Fact]
    public async Task Ports_that_are_not_distinct_are_refused_at_start()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["Ports:Http"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Ports:Management"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddServiceDefaults("test");
        await using var app = builder.Build();
        app.MapServiceDefaults();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
        Assert.Contains("must be different ports", error.Message, StringComparison.Ordinal);
    }

    private static HttpRequestMessage H2(HttpMethod method, int port, string path, string? contentType)
    {
        var request = new HttpRequestMessage(method, new Uri($"http://127.0.0.1:{port}{path}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (contentType is not null)
        {
            request.Content = new ByteArrayContent([0, 0, 0, 0, 0]);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        return request;
    }

    private static async Task AssertNotFoundProblemAsync(HttpResponseMessage response, string? what = null)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{what ?? response.RequestMessage?.RequestUri?.ToString()}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"status\":404", body, StringComparison.Ordinal);
        }
    }

    /// <summary>A service with the platform's defaults and one API endpoint on real loopback sockets.</summary>
    private static async Task<Running> StartAsync(
        int http,
        int management,
        int grpc = 0,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null,
        bool faults = false)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration[CrashPoints.EnabledSetting] = faults ? "true" : null;
        builder.Configuration["Ports:Bind"] = "127.0.0.1";
        builder.Configuration["Ports:Http"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Ports:Grpc"] = grpc.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Ports:Management"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddServiceDefaults("test");
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGet("/api/test/things", () => "things");
        app.MapGet("/admin/test", () => Results.Json(new { }));
        map?.Invoke(app);
        await app.StartAsync();
        return new Running(app);
    }

    private sealed class Running(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Spans_and_log_records_are_built_only_when_an_otlp_endpoint_takes_them(string? endpoint, bool exported)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint;
        builder.AddServiceDefaults("test");
        using var app = builder.Build();

        Assert.Equal(exported, app.Services.GetService<OpenTelemetry.Trace.TracerProvider>() is not null);
        Assert.Equal(exported, app.Services.GetServices<Microsoft.Extensions.Logging.ILoggerProvider>().Any(p => p is OpenTelemetry.Logs.OpenTelemetryLoggerProvider));

        // Metrics are served either way (Prometheus on the management port).
        Assert.NotNull(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());

        // ASP.NET Core builds an Activity and a logging scope per request whenever this category may log: only for an exporter.
        var hosting = app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.Equal(exported, hosting.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Critical));
    }

    [Fact]
    public void Readiness_includes_the_bus_so_a_service_is_not_ready_before_its_queues_are_bound()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults("test");
        builder.AddCrmMessaging("test", _ => { });
        using var app = builder.Build();

        var registrations = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        var bus = Assert.Single(registrations, r => r.Name.Contains("masstransit", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(CrmHost.ReadyTag, bus.Tags);
        Assert.True(app.Services.GetRequiredService<IOptions<MassTransit.MassTransitHostOptions>>().Value.WaitUntilStarted);
    }

    [Fact]
    public void MassTransit_never_reports_usage_to_its_vendor()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults("test");
        builder.AddCrmMessaging("test", _ => { });
        using var app = builder.Build();

        Assert.False(app.Services.GetRequiredService<IOptions<MassTransit.UsageTelemetryOptions>>().Value.Enabled);
    }
}
