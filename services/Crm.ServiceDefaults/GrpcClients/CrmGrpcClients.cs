using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.ServiceDefaults.GrpcClients;

/// <summary>
/// gRPC clients to other services, the same way everywhere. The address comes from configuration:
/// <c>http://contacts:8081</c> talks to one address; <c>dns:///contacts-grpc:8081</c> (a headless Kubernetes
/// Service) resolves every replica, re-resolves every 30 s, and spreads calls round robin over them — HTTP/2 keeps
/// one connection open, so without this every call would go to the replica that connection happened to reach.
/// </summary>
public static class CrmGrpcClients
{
    public static readonly TimeSpan DnsRefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest wait between two attempts to reconnect to a service that went away (gRPC's default grows to 120 s:
    /// measured, Contacts back after 18 s was not called again for long after, and messages burnt their retries).
    /// </summary>
    public static readonly TimeSpan MaxReconnectBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client of <typeparamref name="TClient"/> at the address in <paramref name="addressKey"/>. With
    /// <paramref name="name"/>, a named client (several services serving one proto, e.g. <c>PersonalData</c>), created
    /// with <c>GrpcClientFactory.CreateClient&lt;TClient&gt;(name)</c>.
    /// </summary>
    public static IHttpClientBuilder AddCrmGrpcClient<TClient>(this WebApplicationBuilder builder, string addressKey, string? name = null)
        where TClient : class
    {
        var configured = builder.Configuration[addressKey];
        if (string.IsNullOrWhiteSpace(configured)
            || !Uri.TryCreate(configured, UriKind.Absolute, out var address)
            || address.Scheme is not ("http" or "https" or "dns"))
        {
            throw new InvalidOperationException($"{addressKey} must be the gRPC address of the service (http://host:port or dns:///host:port), not '{configured}'.");
        }

        var balanced = string.Equals(address.Scheme, "dns", StringComparison.OrdinalIgnoreCase);
        if (balanced)
        {
            builder.Services.TryAddSingleton<ResolverFactory>(new DnsResolverFactory(DnsRefreshInterval));
        }

        var client = name is null
            ? builder.Services.AddGrpcClient<TClient>(o => o.Address = address)
            : builder.Services.AddGrpcClient<TClient>(name, o => o.Address = address);
        return client
            .ConfigureChannel(channel =>
            {
                channel.MaxReconnectBackoff = MaxReconnectBackoff;
                if (balanced)
                {
                    // h2c inside the cluster: the dns scheme says nothing about TLS, so it is said here.
                    channel.Credentials = ChannelCredentials.Insecure;
                    channel.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
                }
            });
    }
}
