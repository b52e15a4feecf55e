using Crm.ServiceDefaults.Messaging;
using MassTransit;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// The shorter reconnect schedule is put in MassTransit's place through its internals: this fails first when a
/// MassTransit upgrade renames what <see cref="BrokerReconnect"/> reaches into.
/// </summary>
public sealed class BrokerReconnectTests
{
    [Fact]
    public void The_shorter_schedule_replaces_MassTransits_own_on_the_bus_being_configured()
    {
        IRetryPolicy? before = null, after = null;
        var applied = false;
        Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri("amqp://guest:guest@127.0.0.1:1/"));
            before = BrokerReconnect.Current(cfg);
            applied = BrokerReconnect.TryApply(cfg, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            after = BrokerReconnect.Current(cfg);
        });

        Assert.True(applied);
        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.NotSame(before, after);
    }

    [Fact]
    public void A_longest_wait_shorter_than_the_first_is_refused()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Configuration["RabbitMq:ReconnectMinDelay"] = "00:00:10";
        builder.Configuration["RabbitMq:ReconnectMaxDelay"] = "00:00:05";

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddCrmMessaging("reconnect", _ => { }));

        Assert.Contains("RabbitMq:ReconnectMinDelay (00:00:10)", error.Message, StringComparison.Ordinal);
        Assert.Contains("RabbitMq:ReconnectMaxDelay (00:00:05)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void It_retries_what_MassTransit_retries_and_not_a_refused_sign_in()
    {
        var policy = BrokerReconnect.Policy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        Assert.True(policy.IsHandled(new ConnectionException("broker unreachable")));
        Assert.True(policy.IsHandled(new System.IO.EndOfStreamException()));
        Assert.False(policy.IsHandled(new RabbitMQ.Client.Exceptions.AuthenticationFailureException("ACCESS_REFUSED")));
        Assert.False(policy.IsHandled(new InvalidOperationException("a bug")));
    }
}
