using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Crm.Benchmarks;

/// <summary>
/// Outbox dispatch alone: <c>--events</c> LeadCaptured events committed to a service's SQLite store, then published
/// by the platform's <see cref="OutboxDispatcher"/> to a private RabbitMQ node (durable exchange and queue,
/// persistent messages, publisher confirms) until the outbox is empty, the way the services run it
/// (<see cref="OutboxDispatcher.DrainAsync"/>); beside it, in the same run and against the same node, MassTransit
/// alone publishing as many events the same way (no store), and a raw RabbitMQ.Client loop publishing as many
/// messages of the same size with the same settings (a batch of concurrent publishes awaiting their confirms, batch
/// after batch).
/// </summary>
public static class OutboxBenchmark
{
    private const string Exchange = "Crm.Contracts.Leads:LeadCaptured";
    private const string SinkQueue = "bench-outbox-sink";

    public static async Task<int> RunAsync(Arguments args)
    {
        var events = args.Number("events", 50_000);
        var batch = args.Number("batch", new OutboxOptions().BatchSize);
        var group = args.Number("commit-group", SqliteDocumentStore.DefaultMaxCommitGroup);
        Console.WriteLine($"outbox: {events} events, batches of {batch}, SQLite commit groups of up to {group}; starting a private RabbitMQ node ...");
        await using var node = await RabbitMqNode.StartAsync();
        await DeclareSinkAsync(node.AmqpUri);

        using var directory = new TempDirectory("crm-bench-outbox");
        await using var store = new SqliteDocumentStore(directory.Combine("bench.db"), group);
        await store.InitializeAsync(PlatformCollections.All);
        var signal = new OutboxSignal();
        var filling = Stopwatch.StartNew();
        for (var written = 0; written < events;)
        {
            var unit = new UnitOfWork(store, TimeProvider.System, signal);
            for (var i = 0; i < 1000 && written < events; i++, written++)
            {
                unit.Publish(Captured(written));
            }

            await unit.CommitAsync();
        }

        Console.WriteLine($"committed {events} events to the outbox in {filling.Elapsed.TotalSeconds:0.0} s");

        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddMassTransit(x =>
            {
                x.DisableUsageTelemetry();
                x.UsingRabbitMq((context, cfg) => cfg.Host(new Uri(node.AmqpUri)));
            }))
            .Build();
        await host.StartAsync();
        var options = new OutboxOptions { BatchSize = batch };
        var readiness = new StoreReadiness();
        readiness.SetReady();
        using var metrics = new StorageMetrics(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var dispatcher = new OutboxDispatcher(
            store,
            signal,
            options,
            readiness,
            metrics,
            host.Services.GetRequiredService<IHostApplicationLifetime>(),
            TimeProvider.System,
            NullLogger<OutboxDispatcher>.Instance,
            host.Services.GetRequiredService<IBus>());

        // Warm up outside the measurement: the bus (connection, channel, exchange) and the JIT (tiered compilation
        // makes the first thousands of calls slower), by dispatching a first outbox of the same events.
        await host.Services.GetRequiredService<IBus>().Publish(Captured(-1));
        await using (var warm = new SqliteDocumentStore(directory.Combine("warm.db"), group))
        {
            await warm.InitializeAsync(PlatformCollections.All);
            for (var round = 0; round < 5; round++)
            {
                var unit = new UnitOfWork(warm, TimeProvider.System, signal);
                for (var i = 0; i < 1000; i++)
                {
                    unit.Publish(Captured(i));
                }

                await unit.CommitAsync();
            }

            var warmDispatcher = new OutboxDispatcher(warm, signal, options, readiness, metrics, host.Services.GetRequiredService<IHostApplicationLifetime>(), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance, host.Services.GetRequiredService<IBus>());
            while ((await warmDispatcher.DrainAsync(CancellationToken.None)).Claimed > 0)
            {
            }
        }

        var dispatching = Stopwatch.StartNew();
        var published = 0;
        while (true)
        {
            // What the running service does: rounds back to back, each round's outcome written while the next publishes.
            var result = await dispatcher.DrainAsync(CancellationToken.None);
            published += result.Published;
            if (result.Claimed == 0)
            {
                break;
            }
        }

        dispatching.Stop();

        // The same number of publishes through MassTransit alone (no store), batch after batch: the bus' share.
        var bus = host.Services.GetRequiredService<IBus>();
        var busOnly = Stopwatch.StartNew();
        for (var sent = 0; sent < events;)
        {
            var count = Math.Min(batch, events - sent);
            // The same call the dispatcher makes: untyped, with the MessageId set.
            var type = typeof(LeadCaptured);
#pragma warning disable CA2263 // the dispatcher knows the type only at run time
            await Task.WhenAll(Enumerable.Range(0, count).Select(i => bus.Publish(Captured(i), type, c => c.MessageId = Guid.NewGuid())));
#pragma warning restore CA2263
            sent += count;
        }

        busOnly.Stop();
        await host.StopAsync();
        var outboxRate = published / dispatching.Elapsed.TotalSeconds;
        Console.WriteLine($"outbox dispatcher:  {published} events in {dispatching.Elapsed.TotalSeconds:0.00} s = {outboxRate:0} events/s (read, published with confirms, deleted)");

        Console.WriteLine($"MassTransit publish alone: {events} events in {busOnly.Elapsed.TotalSeconds:0.00} s = {events / busOnly.Elapsed.TotalSeconds:0} events/s (no store)");
        var raw = await RawPublishAsync(node.AmqpUri, events, batch);
        Console.WriteLine($"raw RabbitMQ.Client: {events} messages in {raw.TotalSeconds:0.00} s = {events / raw.TotalSeconds:0} messages/s (same size, persistent, confirms, {batch} in flight)");
        Console.WriteLine($"dispatcher / raw: {outboxRate / (events / raw.TotalSeconds):0.00}");
        return 0;
    }

    private static LeadCaptured Captured(int n) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = Ids.New(),
        ContactId = Ids.New(),
        Source = "benchmark",
        Channel = "web",
        Name = $"Bench Lead {n}",
        Email = $"bench-{n}@example.com",
        Phone = "+4930123456",
        PagesVisited = 3,
    };

    private static async Task DeclareSinkAsync(string uri)
    {
        var factory = new ConnectionFactory { Uri = new Uri(uri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(SinkQueue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(SinkQueue, Exchange, string.Empty);
    }

    /// <summary>The same number of messages, of the size MassTransit sends, in batches of concurrent confirmed publishes.</summary>
    private static async Task<TimeSpan> RawPublishAsync(string uri, int messages, int batch)
    {
        var factory = new ConnectionFactory { Uri = new Uri(uri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var envelope = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            conversationId = Guid.NewGuid(),
            sourceAddress = "rabbitmq://localhost/bench_outbox_bus_abcdefghijklmnopqrstu",
            destinationAddress = "rabbitmq://localhost/Crm.Contracts.Leads:LeadCaptured",
            messageType = new[] { "urn:message:Crm.Contracts.Leads:LeadCaptured" },
            message = Captured(0),
            sentTime = DateTime.UtcNow,
            headers = new { },
            host = new { machineName = Environment.MachineName, processName = "Crm.Benchmarks", processId = Environment.ProcessId, assembly = "Crm.Benchmarks", assemblyVersion = "1.0.0.0", frameworkVersion = "10.0.0", massTransitVersion = "8.5.12.0", operatingSystemVersion = "Unix 6.1.0.0" },
        }));
        var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" };
        await channel.BasicPublishAsync(Exchange, string.Empty, false, properties, envelope);
        var watch = Stopwatch.StartNew();
        for (var sent = 0; sent < messages;)
        {
            var count = Math.Min(batch, messages - sent);
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => channel.BasicPublishAsync(Exchange, string.Empty, false, properties, envelope).AsTask()));
            sent += count;
        }

        return watch.Elapsed;
    }
}
