using Crm.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// A minimal service in-process on TestServer with the platform's defaults (ProblemDetails, exception handler,
/// operator endpoints on the management port) and whatever the test registers and maps.
/// </summary>
public sealed class TestWebApp : IAsyncDisposable
{
    /// <summary>The management port of <see cref="ServicePorts"/>' defaults: the operator endpoints answer only there.</summary>
    public static readonly Uri Management = new("http://localhost:8090");

    private readonly WebApplication _app;

    private TestWebApp(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestWebApp> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults("defaults");
        services(builder.Services);
        var app = builder.Build();
        app.MapServiceDefaults();
        map(app);
        await app.StartAsync();
        return new TestWebApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
