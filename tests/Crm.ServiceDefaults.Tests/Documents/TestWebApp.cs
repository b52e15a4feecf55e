using System.Globalization;
using Crm.ServiceDefaults.Hosting;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// A minimal service in-process on real loopback sockets (its own HTTP and management ports, as in production) with
/// the platform's defaults (ProblemDetails, exception handler, operator endpoints on the management port) and
/// whatever the test registers and maps.
/// </summary>
public sealed class TestWebApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestWebApp(WebApplication app, int http, int management)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        ManagementClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}") };
    }

    /// <summary>A client for the HTTP port (the API).</summary>
    public HttpClient Client { get; }

    /// <summary>A client for the management port: the operator endpoints (<c>/admin/*</c>) answer only there.</summary>
    public HttpClient ManagementClient { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestWebApp> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map)
    {
        var http = FreePort.Next();
        var management = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration["Ports:Bind"] = "127.0.0.1";
        builder.Configuration["Ports:Http"] = http.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["Ports:Management"] = management.ToString(CultureInfo.InvariantCulture);
        builder.AddServiceDefaults("defaults");
        services(builder.Services);
        var app = builder.Build();
        app.MapServiceDefaults();
        map(app);
        await app.StartAsync();
        return new TestWebApp(app, http, management);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        ManagementClient.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
