using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
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

    /// <summary>A client for the management port (health), which answers only for host *:8090.</summary>
    public HttpClient Management() => CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost:8090") });
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
