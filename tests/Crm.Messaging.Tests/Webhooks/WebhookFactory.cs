using System.Collections.Concurrent;
using System.Net;
using Crm.Messaging.Webhooks;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>
/// Messaging in-process for the webhook tests: a fake clock, timers fired only by <see cref="RunTimersAsync"/> (so a
/// test decides when a retry is due), http allowed and a DNS that answers what <see cref="Dns"/> is told (IP literals as themselves).
/// <paramref name="allowLoopback"/>: <c>Webhooks:AllowedDestinations</c> holds 127.0.0.1 (the receivers listen there).
/// </summary>
public sealed class WebhookFactory : CrmServiceFactory<MessagingEntryPoint>
{
    public WebhookFactory(bool allowLoopback = true)
    {
        Settings["Smtp:Host"] = "";
        Settings["Smtp:PickupDirectory"] = Path.Combine(DataDirectory, "pickup");
        Settings["Timers:Enabled"] = "false";
        Settings["Webhooks:AllowHttp"] = "true";
        Settings["Webhooks:Timeout"] = "00:00:05";
        if (allowLoopback)
        {
            Settings["Webhooks:AllowedDestinations:0"] = "127.0.0.1";
        }
    }

    /// <summary>Starts at the real time (so the test identities' tokens are valid until the clock is moved on).</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow.TruncateToMs());

    public FakeDns Dns { get; } = new();

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    /// <summary>Fires every timer due now (as the runner would), until none is left due.</summary>
    public async Task RunTimersAsync()
    {
        var runner = Services.GetServices<IHostedService>().OfType<TimerRunner>().Single();
        while (await runner.RunDueAsync(CancellationToken.None) > 0)
        {
        }
    }

    public Task<WebhookDelivery?> DeliveryAsync(string id) => Store.GetAsync(WebhookCollections.Deliveries, id);

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(Time);
        services.RemoveAll<IWebhookHostResolver>();
        services.AddSingleton<IWebhookHostResolver>(Dns);
    }
}

/// <summary>A DNS whose answers a test sets (and changes: a rebinding); IP literals resolve to themselves.</summary>
public sealed class FakeDns : IWebhookHostResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);

    public void Answer(string host, params string[] addresses) => _answers[host] = addresses.Select(IPAddress.Parse).ToArray();

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var address)
            ? Task.FromResult(new[] { address })
            : _answers.TryGetValue(host, out var answer) ? Task.FromResult(answer) : throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
}
