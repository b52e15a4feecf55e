using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.SystemTests;

/// <summary>
/// No way around the gateway, on the running processes: the API never answers on a management (or gRPC) port,
/// health and metrics never on an HTTP port (whatever Host header is sent), and the broker only on loopback.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PortIsolationTests(Platform platform, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_process_serves_its_api_only_on_its_http_port_and_metrics_only_on_its_management_port()
    {
        var captured = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest
        {
            Email = $"ports.{Guid.NewGuid():N}@example.com",
            Source = "port-check",
            Channel = Channel.Web,
        });
        Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
        var lead = captured.Content!;

        // A request per process that its API answers on the HTTP port: the gateway's with the key, the services' with
        // the gateway-signed identity they require.
        var probes = new Dictionary<string, string>
        {
            ["contacts"] = $"/api/contacts/{lead.ContactId}",
            ["leads"] = $"/api/leads/{lead.Id}",
            ["assignment"] = "/api/assignment/reps",
            ["messaging"] = "/api/messaging/messages",
            ["analytics"] = "/api/analytics/summary",
            ["gateway"] = "/api/assignment/reps",
        };
        Assert.Equal(platform.Ports.Keys.Order(), probes.Keys.Order());
        using var client = new HttpClient();

        foreach (var (name, path) in probes)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Bearer",
                name == "gateway" ? Platform.ApiKey : TestIdentity.TokenFor(TestIdentity.Admin));
            var (http, grpc, management) = platform.Ports[name];
            await Poll.UntilAsync(
                async () =>
                {
                    using var onHttp = await client.GetAsync(new Uri($"http://127.0.0.1:{http}{path}"));
                    return onHttp.StatusCode == HttpStatusCode.OK;
                },
                $"{name} to answer {path} on its HTTP port",
                Deadline);

            using var onManagement = await client.GetAsync(new Uri($"http://127.0.0.1:{management}{path}"));
            Assert.True(onManagement.StatusCode == HttpStatusCode.NotFound, $"{name}: {path} on the management port answered {(int)onManagement.StatusCode}");

            using var honestMetrics = await client.GetAsync(new Uri($"http://127.0.0.1:{management}/metrics"));
            Assert.Equal(HttpStatusCode.OK, honestMetrics.StatusCode);
            using var forged = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{http}/metrics"));
            forged.Headers.Host = $"localhost:{management}";
            using var forgedMetrics = await client.SendAsync(forged);
            Assert.True(forgedMetrics.StatusCode == HttpStatusCode.NotFound, $"{name}: /metrics on the HTTP port with Host localhost:{management} answered {(int)forgedMetrics.StatusCode}");

            if (grpc > 0)
            {
                using var plain = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{grpc}{path}"))
                {
                    Version = HttpVersion.Version20,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var onGrpc = await client.SendAsync(plain);
                Assert.True(onGrpc.StatusCode == HttpStatusCode.NotFound, $"{name}: {path} over h2c on the gRPC port answered {(int)onGrpc.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task The_broker_listens_on_loopback_only()
    {
        var addresses = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .ToList();
        if (addresses.Count == 0)
        {
            output.WriteLine("No non-loopback IPv4 address on this machine: only the loopback connection was checked.");
        }

        var broker = platform.Broker;
        using (var loopback = new TcpClient())
        {
            await loopback.ConnectAsync(IPAddress.Loopback, broker.Port);
        }

        foreach (var address in addresses)
        {
            foreach (var (what, port) in new[] { ("AMQP", broker.Port), ("epmd", broker.EpmdPort), ("Erlang distribution", broker.DistributionPort) })
            {
                using var client = new TcpClient();
                var error = await Record.ExceptionAsync(() => client.ConnectAsync(address, port).WaitAsync(TimeSpan.FromSeconds(10)));
                Assert.True(error is SocketException, $"{what} port {port} on {address}: {(error is null ? "connected" : error.GetType().Name)}");
            }
        }
    }
}
