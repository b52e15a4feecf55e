using Crm.ServiceDefaults.GrpcClients;
using Grpc.Net.Client.Balancer;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

public sealed class GrpcClientTests
{
    public sealed class SomeClient;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("contacts:8081")]
    public void A_missing_or_relative_address_stops_start_up_naming_the_key(string? address)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Services:Contacts:Grpc"] = address;

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddCrmGrpcClient<SomeClient>("Services:Contacts:Grpc"));
        Assert.Contains("Services:Contacts:Grpc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dns_address_is_balanced_round_robin_over_every_resolved_address()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Services:Contacts:Grpc"] = "dns:///contacts-grpc:8081";
        builder.AddCrmGrpcClient<SomeClient>("Services:Contacts:Grpc");
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptionsMonitor<GrpcClientFactoryOptions>>().Get(typeof(SomeClient).Name);
        var channel = new Grpc.Net.Client.GrpcChannelOptions();
        foreach (var configure in options.ChannelOptionsActions)
        {
            configure(channel);
        }

        Assert.Equal(new Uri("dns:///contacts-grpc:8081"), options.Address);
        Assert.Equal(TimeSpan.FromSeconds(5), channel.MaxReconnectBackoff);
        Assert.IsType<Grpc.Net.Client.Configuration.RoundRobinConfig>(Assert.Single(channel.ServiceConfig!.LoadBalancingConfigs));
        Assert.IsType<DnsResolverFactory>(app.Services.GetRequiredService<ResolverFactory>());
    }

    [Fact]
    public void A_plain_http_address_talks_to_that_address()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Services:Contacts:Grpc"] = "http://contacts:8081";
        builder.AddCrmGrpcClient<SomeClient>("Services:Contacts:Grpc");
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptionsMonitor<GrpcClientFactoryOptions>>().Get(typeof(SomeClient).Name);
        var channel = new Grpc.Net.Client.GrpcChannelOptions();
        foreach (var configure in options.ChannelOptionsActions)
        {
            configure(channel);
        }

        Assert.Equal(new Uri("http://contacts:8081"), options.Address);
        Assert.Null(channel.ServiceConfig);

        // gRPC's own default grows to 120 s between attempts: a service back after an outage would wait that long.
        Assert.Equal(TimeSpan.FromSeconds(5), channel.MaxReconnectBackoff);
    }
}
