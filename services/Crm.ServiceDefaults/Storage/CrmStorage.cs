using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// Registers a service's store: <see cref="SqliteDb"/> or <see cref="MongoDb"/> by <c>Storage:Provider</c>, the
/// schema initializer (runs before the bus starts consuming), the outbox dispatcher, idempotency reads and the
/// readiness check. Call it before <c>AddCrmMessaging</c>.
/// </summary>
public static class CrmStorage
{
    public static WebApplicationBuilder AddCrmStorage(this WebApplicationBuilder builder, string serviceName, StorageSchema schema)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton(builder.Configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions());

        if (options.IsMongo)
        {
            builder.Services.AddSingleton<IMongoClient>(_ => new MongoClient(options.MongoConnectionString));
            builder.Services.AddSingleton(sp => new MongoDb(
                sp.GetRequiredService<IMongoClient>(),
                options.MongoDatabase ?? $"crm-{serviceName}",
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<OutboxSignal>()));
            builder.Services.AddSingleton<IOutboxStore, MongoOutboxStore>();
            builder.Services.AddSingleton<IIdempotencyStore, MongoIdempotencyStore>();
        }
        else
        {
            builder.Services.AddSingleton(sp => new SqliteDb(
                options.SqlitePath ?? Path.Combine(options.DataDirectory, $"{serviceName}.db"),
                schema.SqliteStatements,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<OutboxSignal>()));
            builder.Services.AddSingleton<IOutboxStore, SqliteOutboxStore>();
            builder.Services.AddSingleton<IIdempotencyStore, SqliteIdempotencyStore>();
        }

        builder.Services.AddSingleton(new LegacyStoreInitializer.Schema(schema));
        builder.Services.AddHostedService<LegacyStoreInitializer>();
        builder.Services.AddHostedService<LegacyOutboxDispatcher>();
        builder.Services.AddHealthChecks().AddCheck<LegacyStoreHealthCheck>("store", tags: [CrmHost.ReadyTag]);
        return builder;
    }

    /// <summary>Registers the implementation of <typeparamref name="TStore"/> that matches <c>Storage:Provider</c>.</summary>
    public static WebApplicationBuilder AddStore<TStore, TSqlite, TMongo>(this WebApplicationBuilder builder)
        where TStore : class
        where TSqlite : class, TStore
        where TMongo : class, TStore
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (options.IsMongo)
        {
            builder.Services.AddSingleton<TStore, TMongo>();
        }
        else
        {
            builder.Services.AddSingleton<TStore, TSqlite>();
        }

        return builder;
    }
}

/// <summary>Creates tables / indexes at start-up, before the bus starts consuming.</summary>
internal sealed class LegacyStoreInitializer(IServiceProvider services, LegacyStoreInitializer.Schema schema) : IHostedService
{
    public sealed record Schema(StorageSchema Value);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<MongoDb>() is { } mongo)
        {
            await mongo.InitializeAsync(cancellationToken);
            await schema.Value.CreateMongoIndexesAsync(mongo.Database, cancellationToken);
        }
        else
        {
            await services.GetRequiredService<SqliteDb>().InitializeAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Ready when the store answers.</summary>
internal sealed class LegacyStoreHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (services.GetService<MongoDb>() is { } mongo)
            {
                await mongo.PingAsync(cancellationToken);
                return HealthCheckResult.Healthy("mongo");
            }

            var sqlite = services.GetRequiredService<SqliteDb>();
            await sqlite.ReadAsync(async c =>
            {
                await using var command = c.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM outbox WHERE 0";
                return await command.ExecuteScalarAsync(cancellationToken);
            }, cancellationToken);
            return HealthCheckResult.Healthy("sqlite");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The store does not answer.", ex);
        }
    }
}
