using Crm.ServiceDefaults.Messaging;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>The shared consumer retry policy: transient failures are retried, invalid messages are not.</summary>
public sealed class RetryPolicyTests
{
    public sealed record Ping(Guid Id, bool Invalid, int FailTimes);

    public sealed class PingConsumer : IConsumer<Ping>
    {
        public static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Attempts = new();

        public Task Consume(ConsumeContext<Ping> context)
        {
            var attempt = Attempts.AddOrUpdate(context.Message.Id, 1, (_, n) => n + 1);
            if (context.Message.Invalid)
            {
                throw new InvalidMessageException("never valid");
            }

            if (attempt <= context.Message.FailTimes)
            {
                throw new TimeoutException("transient");
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_transient_failure_is_retried_until_it_succeeds()
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var id = Guid.NewGuid();
        await harness.Bus.Publish(new Ping(id, Invalid: false, FailTimes: 2));

        Assert.True(await harness.Consumed.Any<Ping>(m => m.Context.Message.Id == id && m.Exception is null));
        Assert.Equal(3, PingConsumer.Attempts[id]);
    }

    [Fact]
    public async Task An_invalid_message_is_not_retried_and_faults()
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var id = Guid.NewGuid();
        await harness.Bus.Publish(new Ping(id, Invalid: true, FailTimes: 0));

        Assert.True(await harness.Published.Any<Fault<Ping>>(m => m.Context.Message.Message.Id == id));
        Assert.Equal(1, PingConsumer.Attempts[id]);
    }

    private static ServiceProvider Provider() => new ServiceCollection()
        .AddMassTransitTestHarness(x =>
        {
            x.SetTestTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
            x.AddConfigureEndpointsCallback((_, _, endpoint) => CrmMessaging.ConfigureRetries(endpoint));
            x.AddConsumer<PingConsumer>();
        })
        .BuildServiceProvider(true);
}
