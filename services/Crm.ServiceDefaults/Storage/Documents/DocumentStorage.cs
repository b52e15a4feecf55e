using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// Registers a service's store on the document layer: <see cref="SqliteDocumentStore"/> or
/// <see cref="MongoDocumentStore"/> by <c>Storage:Provider</c>, the service's collections beside the platform's
/// (outbox, inbox, idempotency, timers), the initializer, a <see cref="UnitOfWork"/> per request / message, the
/// outbox dispatcher, the timer runner, the readiness check and the storage metrics.
/// </summary>
public static class DocumentStorage
{
    public static WebApplicationBuilder AddCrmStorage(this WebApplicationBuilder builder, string serviceName, params IDocumentCollection[] collections)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(new StorageCollections([.. PlatformCollections.All, .. collections]));
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton(builder.Configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions());
        services.AddSingleton(builder.Configuration.GetSection(TimerOptions.Section).Get<TimerOptions>() ?? new TimerOptions());
        services.AddSingleton<StoreReadiness>();
        services.AddSingleton<StorageMetrics>();
        services.AddMetrics();

        if (options.IsMongo)
        {
            services.AddSingleton<IMongoClient>(sp =>
            {
                var settings = MongoConnection.Settings(options.MongoConnectionString!, serviceName, options.ServerSelectionTimeout, out var overridden);
                var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DocumentStorage));
                foreach (var note in overridden)
                {
                    logger.LogWarning("Storage:MongoConnectionString: {Note}", note);
                }

                return new MongoClient(settings);
            });
            services.AddSingleton<IDocumentStore>(sp => new MongoDocumentStore(sp.GetRequiredService<IMongoClient>(), options.MongoDatabase ?? $"crm-{serviceName}")
            {
                CommitTimeout = options.CommitTimeout,
            });
        }
        else
        {
            services.AddSingleton(new SqliteDocumentStore(options.SqlitePath ?? Path.Combine(options.DataDirectory, $"{serviceName}.db"), options.SqliteMaxCommitGroup));
            services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<SqliteDocumentStore>());
            services.AddHostedService<SqliteHousekeeping>();
        }

        // Registered before MassTransit's hosted service: the schema exists before a consumer can run.
        services.AddHostedService<StoreInitializer>();
        services.AddScoped<UnitOfWork>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddHostedService<TimerRunner>();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: [CrmHost.ReadyTag]);
        return builder;
    }

    /// <summary>Registers the handler of one kind of durable timer.</summary>
    public static WebApplicationBuilder AddTimerHandler<THandler>(this WebApplicationBuilder builder)
        where THandler : class, ITimerHandler
    {
        builder.Services.AddScoped<ITimerHandler, THandler>();
        return builder;
    }

    /// <summary>
    /// Operator endpoints, served on the management port only (<see cref="PortPolicy"/>; never routed by the
    /// gateway): what the outbox and the timers hold, and requeueing what was set aside as dead once its cause is fixed.
    /// </summary>
    public static void MapStorageAdministration(this WebApplication app)
    {
        var admin = app.MapGroup("/admin");
        admin.MapGet("/outbox", async (IDocumentStore store, CancellationToken cancellationToken) => new
        {
            pending = await store.CountAsync(PlatformQueries.PendingOutbox(), cancellationToken),
            dead = await store.CountAsync(PlatformQueries.DeadOutbox(), cancellationToken),
            deadRecords = (await store.FindAsync(PlatformQueries.DeadOutbox().Take(100), cancellationToken))
                .Select(r => new { r.Id, r.Type, r.CreatedAt, r.DeadAt, r.Attempts, r.LastError }),
        });
        admin.MapPost("/outbox/dead/requeue", async (string? id, IDocumentStore store, OutboxSignal signal, CancellationToken cancellationToken) =>
        {
            var which = id is null ? PlatformQueries.DeadOutbox().Filter : PlatformQueries.DeadOutbox().Filter & Filter<OutboxRecord>.Eq(x => x.Id, id);
            var counts = await store.CommitAsync(
                Write.Update(PlatformCollections.Outbox, which, new Update<OutboxRecord>().Unset(x => x.DeadAt).Set(x => x.Attempts, 0).Unset(x => x.RetryAt), expectOne: false),
                cancellationToken);
            signal.Notify();
            return Results.Ok(new { requeued = counts[0] });
        });
        admin.MapGet("/timers", async (IDocumentStore store, TimeProvider time, CancellationToken cancellationToken) => new
        {
            scheduled = await store.CountAsync(PlatformCollections.Timers, Filter<TimerRecord>.Missing(x => x.DeadAt), cancellationToken),
            due = await store.CountAsync(PlatformQueries.DueTimers(time.UtcNowMs()), cancellationToken),
            deadTimers = (await store.FindAsync(PlatformQueries.DeadTimers().Take(100), cancellationToken))
                .Select(t => new { t.Kind, t.Key, t.DueAt, t.DeadAt, t.Attempts, t.LastError }),
        });
        admin.MapPost("/timers/dead/requeue", async (IDocumentStore store, CancellationToken cancellationToken) =>
        {
            var counts = await store.CommitAsync(
                Write.Update(PlatformCollections.Timers, PlatformQueries.DeadTimers().Filter, new Update<TimerRecord>().Unset(x => x.DeadAt).Set(x => x.Attempts, 0).Unset(x => x.LeaseUntil), expectOne: false),
                cancellationToken);
            return Results.Ok(new { requeued = counts[0] });
        });
    }
}
