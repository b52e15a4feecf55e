using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Gateway.Tests;

/// <summary>
/// The gateway in-process with every cluster pointing at <paramref name="backend"/>, signing identities with
/// <see cref="TestIdentity"/>'s key, and two test keys: <see cref="Key"/> (every admin scope) and <see cref="HashedKey"/>
/// (<c>leads:read</c>, <c>contacts:read</c>).
/// </summary>
public sealed class GatewayFactory(Uri backend, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<GatewayEntryPoint>
{
    public const string Key = "test-key-1f0c";
    public const string KeyName = "test-client";
    public const string HashedKey = "hashed-key-77aa";
    public const string HashedKeyName = "hashed-client";

    public static readonly string[] Clusters = ["contacts", "leads", "assignment", "messaging", "analytics"];

    private readonly TempDirectory _data = new("crm-gateway");

    /// <summary>What the gateway logged (every category), e.g. the audit lines of <c>Crm.Audit</c>.</summary>
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", "sqlite");
        builder.UseSetting("Storage:DataDirectory", _data.Path);
        foreach (var service in Clusters)
        {
            builder.UseSetting($"ReverseProxy:Clusters:{service}:Destinations:primary:Address", backend.ToString());
        }

        builder.UseSetting("Identity:SigningKeyPem", TestIdentity.SigningKeyPem);
        builder.UseSetting("Gateway:ApiKeys:0:Name", KeyName);
        builder.UseSetting("Gateway:ApiKeys:0:Key", Key);
        for (var i = 0; i < Scopes.AllAdmin.Count; i++)
        {
            builder.UseSetting($"Gateway:ApiKeys:0:Scopes:{i}", Scopes.AllAdmin[i]);
        }

        builder.UseSetting("Gateway:ApiKeys:1:Name", HashedKeyName);
        builder.UseSetting("Gateway:ApiKeys:1:KeySha256", ApiKeyRegistry.Sha256Hex(HashedKey).ToUpperInvariant());
        builder.UseSetting("Gateway:ApiKeys:1:Scopes:0", "leads:read");
        builder.UseSetting("Gateway:ApiKeys:1:Scopes:1", "contacts:read");
        builder.UseSetting("Gateway:RateLimit:PermitsPerSecond", "1000");
        builder.UseSetting("Gateway:RateLimit:Burst", "1000");
        builder.UseSetting("Gateway:MaxRequestBodyBytes", "1024");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    /// <summary>A client for the REST port, with <paramref name="apiKey"/> as Bearer token when given.</summary>
    public HttpClient Api(string? apiKey = Key)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }

    /// <summary>The HTTP port when started by <see cref="StartOnSockets"/> (0 on TestServer, which counts as the HTTP port).</summary>
    public int HttpPort { get; private init; }

    /// <summary>The management port when started by <see cref="StartOnSockets"/>.</summary>
    public int ManagementPort { get; private init; }

    /// <summary>
    /// The gateway on real loopback sockets, its own HTTP and management ports, as in production: which port serves
    /// what is decided by the connection's local port, so health and metrics can only be reached this way.
    /// </summary>
    public static GatewayFactory StartOnSockets(Uri backend, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var http = Crm.Testing.FreePort.Next();
        var management = Crm.Testing.FreePort.Next();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Ports:Bind"] = "127.0.0.1",
            ["Ports:Http"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ports:Management"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var gateway = new GatewayFactory(backend, all) { HttpPort = http, ManagementPort = management };
        gateway.UseKestrel();
        gateway.StartServer();
        return gateway;
    }

    /// <summary>A client for the management port (health, metrics) of a gateway started by <see cref="StartOnSockets"/>.</summary>
    public HttpClient Management() => ManagementPort == 0
        ? throw new InvalidOperationException("TestServer has no management port (its requests count as the HTTP port): start the gateway with StartOnSockets.")
        : new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}") };

    /// <summary>A client for the HTTP port of a gateway started by <see cref="StartOnSockets"/>, with the test key.</summary>
    public HttpClient HttpOnSockets(string? apiKey = Key)
    {
        if (HttpPort == 0)
        {
            throw new InvalidOperationException("Not started on sockets: use Api() or StartOnSockets.");
        }

        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }
}

/// <summary>One echo backend and one gateway shared by a test class; both stopped at the end.</summary>
public sealed class GatewayFixture : Xunit.IAsyncLifetime
{
    public EchoBackend Backend { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = new GatewayFactory(Backend.Address);
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }
    }
}
