using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// The shared consumer retry policy on MassTransit's harness and a SQLite store: transient failures are retried at
/// once, then parked as a durable timer and redelivered; invalid messages are neither retried nor parked.
/// </summary>
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
        await using var bus = await TestBus.StartAsync();
        var id = Guid.NewGuid();
        await bus.Harness.Bus.Publish(new Ping(id, Invalid: false, FailTimes: 2));

        Assert.True(await bus.Harness.Consumed.Any<Ping>(m => m.Context.Message.Id == id && m.Exception is null));
        Assert.Equal(3, PingConsumer.Attempts[id]);
        Assert.Empty(await bus.ParkedAsync());
        Assert.False(await bus.Harness.Published.Any<Fault<Ping>>(m => m.Context.Message.Message.Id == id));
    }

    [Fact]
    public async Task An_invalid_message_is_not_retried_nor_parked_and_faults()
    {
        await using var bus = await TestBus.StartAsync();
        var id = Guid.NewGuid();
        await bus.Harness.Bus.Publish(new Ping(id, Invalid: true, FailTimes: 0));

        Assert.True(await bus.Harness.Published.Any<Fault<Ping>>(m => m.Context.Message.Message.Id == id));
        Assert.Equal(1, PingConsumer.Attempts[id]);
        Assert.Empty(await bus.ParkedAsync());
    }

    [Fact]
    public async Task A_message_that_still_fails_after_its_immediate_retries_is_parked_without_a_fault_and_redelivered_when_due()
    {
        await using var bus = await TestBus.StartAsync();
        var id = Guid.NewGuid();
        var messageId = NewId.NextGuid();
        await bus.Harness.Bus.Publish(new Ping(id, Invalid: false, FailTimes: 4), c => c.MessageId = messageId);

        // The delivery and its 3 immediate retries fail: parked with what it takes to send it back.
        var timer = Assert.Single(await Poll.ForAsync(async () => await bus.ParkedAsync() is { Count: > 0 } t ? t : null, "the message to be parked"));
        var parked = timer.PayloadAs<ParkedMessage>()!;
        Assert.Equal(4, PingConsumer.Attempts[id]);
        Assert.Equal(($"{TestBus.Queue}:{messageId:N}", TestBus.Queue, messageId, 1), (timer.Key, parked.Queue, parked.MessageId, parked.Attempt));
        Assert.Equal("TimeoutException: transient", parked.LastError);
        Assert.InRange(timer.DueAt - parked.FirstFailedAt, TimeSpan.FromMilliseconds(70), TimeSpan.FromMilliseconds(130));
        Assert.False(await bus.Harness.Published.Any<Fault<Ping>>(m => m.Context.Message.Message.Id == id));

        // Due: sent back to its queue, with the same MessageId, and consumed.
        await Poll.UntilAsync(async () => await bus.Timers.RunDueAsync(CancellationToken.None) > 0, "the redelivery timer to fire");
        await Poll.UntilAsync(() => Task.FromResult(PingConsumer.Attempts[id] == 5), "the redelivered message to be consumed");
        Assert.Empty(await bus.ParkedAsync());
    }

    [Fact]
    public void The_backoff_doubles_from_the_first_delay_up_to_the_maximum_with_a_jitter_of_20_percent()
    {
        var options = new MessageRetryOptions { FirstDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(5) };

        Assert.Equal(
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            Enumerable.Range(1, 11).Select(attempt => options.Backoff(attempt, random: 0.5).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(300), options.Backoff(1000, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(0.8), options.Backoff(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(240), options.Backoff(20, 0));
        for (var i = 0; i < 1000; i++)
        {
            var attempt = Random.Shared.Next(1, 15);
            var expected = Math.Min(300, Math.Pow(2, attempt - 1));
            Assert.InRange(options.Backoff(attempt, Random.Shared.NextDouble()).TotalSeconds, expected * 0.8, expected * 1.2);
        }
    }

    [Fact]
    public void Wrong_retry_settings_stop_the_start_naming_each_one()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Messaging:Retry:Immediate"] = "-1";
        builder.Configuration["Messaging:Retry:FirstDelay"] = "00:00:10";
        builder.Configuration["Messaging:Retry:MaxDelay"] = "00:00:05";
        builder.Configuration["Messaging:Retry:Window"] = "00:00:01";
        builder.AddCrmMessaging("test", _ => { });
        using var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(
            [
                "Messaging:Retry:Immediate must be between 0 and 10, not -1.",
                "Messaging:Retry:MaxDelay (00:00:05) must not be shorter than FirstDelay (00:00:10).",
                "Messaging:Retry:Window (00:00:01) must not be shorter than FirstDelay (00:00:10).",
            ],
            error.Failures);
        Assert.Empty(new MessageRetryOptions().Errors());
    }

    /// <summary>The harness with the consume pipeline as <see cref="CrmMessaging"/> builds it, on a SQLite store, and a timer runner the test drives.</summary>
    private sealed class TestBus(ServiceProvider provider, TestStore store) : IAsyncDisposable
    {
        public const string Queue = "defaults-ping";

        public ITestHarness Harness => provider.GetRequiredService<ITestHarness>();

        public TimerRunner Timers { get; } = new(
            provider.GetRequiredService<IServiceScopeFactory>(),
            store.Store,
            provider.GetRequiredService<TimerOptions>(),
            provider.GetRequiredService<StoreReadiness>(),
            provider.GetRequiredService<StorageMetrics>(),
            TimeProvider.System,
            NullLogger<TimerRunner>.Instance);

        public static async Task<TestBus> StartAsync()
        {
            var store = await TestStore.CreateAsync(Backend.Sqlite, "defaults");
            var readiness = new StoreReadiness();
            readiness.SetReady();
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Messaging:Retry:FirstDelay"] = "00:00:00.1",
                ["Messaging:Retry:Window"] = "00:01:00",
            }).Build();
            var provider = new ServiceCollection()
                .AddSingleton(store.Store)
                .AddSingleton(TimeProvider.System)
                .AddSingleton(store.Signal)
                .AddSingleton(readiness)
                .AddSingleton(new TimerOptions())
                .AddSingleton<StorageMetrics>()
                .AddScoped<UnitOfWork>()
                .AddMessageRedelivery(configuration)
                .AddMassTransitTestHarness(x =>
                {
                    x.DisableUsageTelemetry();
                    x.SetTestTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
                    x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                    {
                        CrmMessaging.ConfigureRetries(endpoint, context);
                        endpoint.UseConsumeFilter(typeof(UnitOfWorkFilter<>), context);
                    });
                    new CrmConsumers(x, "defaults").Add<PingConsumer>("ping");
                })
                .BuildServiceProvider(true);
            await provider.GetRequiredService<ITestHarness>().Start();
            return new TestBus(provider, store);
        }

        /// <summary>The redelivery timers in the store.</summary>
        public Task<IReadOnlyList<TimerRecord>> ParkedAsync() =>
            store.Store.FindAsync(PlatformCollections.Timers.Find(Filter<TimerRecord>.Eq(x => x.Kind, MessageRedelivery.TimerKind)));

        public async ValueTask DisposeAsync()
        {
            Timers.Dispose();
            await provider.DisposeAsync();
            await store.DisposeAsync();
        }
    }
}
