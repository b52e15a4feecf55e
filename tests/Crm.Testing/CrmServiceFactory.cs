using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Testing;

/// <summary>
/// A service in-process for API tests: its real endpoints and a real SQLite file in a temp folder, with
/// MassTransit's in-memory test harness instead of RabbitMQ (consumers stay registered), and clients that call
/// with an admin identity signed by <see cref="TestIdentity"/>'s gateway key. Override
/// <see cref="ConfigureServices"/> to swap a dependency, <see cref="Settings"/> to add configuration. As a fixture it is
/// disposed asynchronously (<see cref="IAsyncLifetime"/>): no xunit thread blocks while its host stops.
/// </summary>
public class CrmServiceFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>, IAsyncLifetime
    where TEntryPoint : class
{
    private readonly TempDirectory _data = new("crm-api");

    public string DataDirectory => _data.Path;

    public ITestHarness Harness => Services.GetTestHarness();

    /// <summary>Extra configuration; keys like <c>Storage:Provider</c>.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", "sqlite");
        builder.UseSetting("Storage:DataDirectory", _data.Path);
        builder.UseSetting("Outbox:PollInterval", "00:00:00.100");
        builder.UseSetting("Identity:PublicKeyPem", TestIdentity.PublicKeyPem);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            // The harness' inactivity timer fires once per factory (10 s without bus traffic); after that,
            // harness.Published/Consumed.Any only report what is already there: wrap waits in Poll.UntilAsync.
            services.AddMassTransitTestHarness(x =>
            {
                x.DisableUsageTelemetry();
                x.SetTestTimeouts(testTimeout: TimeSpan.FromMinutes(10), testInactivityTimeout: TimeSpan.FromSeconds(10));
            });
            ConfigureServices(services);
        });
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Clients call with an admin identity signed like the gateway's; <c>client.As(...)</c> changes it.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.As(TestIdentity.Admin);
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
