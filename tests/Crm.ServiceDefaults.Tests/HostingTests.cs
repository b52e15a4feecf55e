using System.Net;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Messaging;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
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
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Ports:Bind"] = "127.0.0.1";
        builder.Configuration["Ports:Http"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Configuration["Ports:Management"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddServiceDefaults("test");
        await using var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGet("/api/test/things", () => "things");
        await app.StartAsync();

        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"http://127.0.0.1:{management}/health/ready"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/health/ready"))).StatusCode);
        Assert.Equal("things", await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/api/test/things")));
        var metrics = await client.GetStringAsync(new Uri($"http://127.0.0.1:{management}/metrics"));
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://127.0.0.1:{http}/metrics"))).StatusCode);
        await app.StopAsync();
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
