using System.Reflection;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Review finding M1 through the wiring, not only the helpers (<see cref="MongoConnectionTests"/>): a service whose
/// connection string asks for <c>readPreference=secondaryPreferred&amp;w=1</c> gets, from
/// <see cref="DocumentStorage.AddCrmStorage"/>, one client pinned to primary reads and majority writes, and a store whose
/// transactions run with <see cref="MongoConnection.TransactionOptions"/> (snapshot, primary, majority). The first two
/// need no server (the client connects lazily; the transaction is recorded, not run); the last runs a commit against a
/// real replica set and is skipped visibly without <c>CRM_TEST_MONGO_URL</c>.
/// </summary>
public sealed class MongoWiringTests
{
    private const string Loose = "readPreference=secondaryPreferred&w=1";

    /// <summary>No server answers at these names: nothing here may need one.</summary>
    private const string Unreachable = "mongodb://db-0.invalid:27017,db-1.invalid:27017/?replicaSet=rs0&" + Loose;

    private static WebApplicationBuilder Builder(string connectionString, string? database = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration["Storage:Provider"] = StorageOptions.Mongo;
        builder.Configuration["Storage:MongoConnectionString"] = connectionString;
        builder.Configuration["Storage:MongoDatabase"] = database;
        return builder;
    }

    [Fact]
    public async Task AddCrmStorage_builds_one_client_pinned_to_primary_and_majority_whatever_the_connection_string_asks()
    {
        var builder = Builder(Unreachable);
        builder.AddCrmStorage("wiring", Samples);
        await using var app = builder.Build();

        var client = app.Services.GetRequiredService<IMongoClient>();
        Assert.Equal(ReadPreference.Primary, client.Settings.ReadPreference);
        Assert.Equal(WriteConcern.WMajority, client.Settings.WriteConcern);
        Assert.True(client.Settings.RetryWrites);
        Assert.True(client.Settings.RetryReads);
        Assert.Equal("rs0", client.Settings.ReplicaSetName);

        var store = Assert.IsType<MongoDocumentStore>(app.Services.GetRequiredService<IDocumentStore>());
        Assert.Same(client, store.Database.Client);
        Assert.Equal("crm-wiring", store.Database.DatabaseNamespace.DatabaseName);
        Assert.Equal(ReadPreference.Primary, store.Database.Settings.ReadPreference);
        Assert.Equal(WriteConcern.WMajority, store.Database.Settings.WriteConcern);
    }

    [Fact]
    public async Task The_stores_transactions_run_at_snapshot_on_the_primary_and_commit_with_a_majority()
    {
        var recorder = new SessionRecorder();
        var builder = Builder(Unreachable);
        builder.AddCrmStorage("wiring", Samples);
        var registered = builder.Services.Single(d => d.ServiceType == typeof(IMongoClient));
        builder.Services.Remove(registered);
        builder.Services.AddSingleton(sp => recorder.Wrap((IMongoClient)registered.ImplementationFactory!(sp)));
        await using var app = builder.Build();
        var store = app.Services.GetRequiredService<IDocumentStore>();

        await Assert.ThrowsAsync<TransactionRecordedException>(() =>
            store.CommitAsync([Write.Insert(Samples, Minimal(Ids.New())), Write.Insert(Samples, Minimal(Ids.New()))]));

        var options = Assert.Single(recorder.Transactions);
        Assert.Equal(ReadConcern.Snapshot, options.ReadConcern);
        Assert.Equal(ReadPreference.Primary, options.ReadPreference);
        Assert.Equal(WriteConcern.WMajority, options.WriteConcern);
        Assert.Same(MongoConnection.TransactionOptions, options);
    }

    /// <summary>The same connection string against a real replica set: a unit of several writes commits and reads back at once.</summary>
    [SkippableFact]
    public async Task With_a_secondary_read_preference_and_w1_in_the_url_a_unit_commits_and_its_writes_read_back_at_once()
    {
        var loose = new MongoUrlBuilder(MongoTestServer.RequireUrl()) { ReadPreference = ReadPreference.SecondaryPreferred, W = WriteConcern.WValue.Parse("1") }.ToString();
        Assert.Contains("secondaryPreferred", loose, StringComparison.OrdinalIgnoreCase);

        var database = MongoTestServer.NewDatabaseName("wiring");
        var builder = Builder(loose, database);
        builder.AddCrmStorage("wiring", Samples);
        await using var app = builder.Build();
        var client = app.Services.GetRequiredService<IMongoClient>();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        try
        {
            await store.InitializeAsync([.. PlatformCollections.All, Samples]);
            var unit = new UnitOfWork(store, TimeProvider.System, new OutboxSignal());
            var (a, b) = (Minimal(Ids.New()), Minimal(Ids.New()));
            unit.Insert(Samples, a);
            unit.Insert(Samples, b);
            unit.Publish(Captured(a.Id));
            await unit.CommitAsync();

            Assert.Equal(2, (await store.GetManyAsync(Samples, [a.Id, b.Id])).Count);
            Assert.Equal(1, await store.CountAsync(PlatformCollections.Outbox, Filter<OutboxRecord>.All));
        }
        finally
        {
            await client.DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// A client that forwards everything to the real one except sessions: a session records the options it is asked to
    /// run a transaction with, then throws <see cref="TransactionRecordedException"/> (nothing reaches a server).
    /// </summary>
    private sealed class SessionRecorder
    {
        public List<TransactionOptions> Transactions { get; } = [];

        public IMongoClient Wrap(IMongoClient inner)
        {
            var client = DispatchProxy.Create<IMongoClient, ClientProxy>();
            ((ClientProxy)(object)client).Init(inner, this);
            return client;
        }

#pragma warning disable CA1852 // DispatchProxy derives a type from these at run time: they must not be sealed.
        private class ClientProxy : DispatchProxy
        {
            private IMongoClient? _inner;
            private SessionRecorder? _recorder;

            public void Init(IMongoClient inner, SessionRecorder recorder) => (_inner, _recorder) = (inner, recorder);

            protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            {
                if (targetMethod!.Name is nameof(IMongoClient.StartSessionAsync))
                {
                    var session = DispatchProxy.Create<IClientSessionHandle, SessionProxy>();
                    ((SessionProxy)(object)session).Init(_recorder!);
                    return Task.FromResult(session);
                }

                if (targetMethod.Name is nameof(IMongoClient.StartSession))
                {
                    throw new NotSupportedException("The stores start sessions asynchronously.");
                }

                try
                {
                    return targetMethod.Invoke(_inner, args);
                }
                catch (TargetInvocationException ex) when (ex.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                    throw;
                }
            }
        }

        private class SessionProxy : DispatchProxy
        {
            private SessionRecorder? _recorder;

            public void Init(SessionRecorder recorder) => _recorder = recorder;

            protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
            {
                nameof(IClientSession.WithTransactionAsync) => Record(args![1] as TransactionOptions),
                nameof(IDisposable.Dispose) => null,
                _ => throw new NotSupportedException($"The recording session does not do {targetMethod.Name}."),
            };

            private object Record(TransactionOptions? options)
            {
                _recorder!.Transactions.Add(options ?? throw new InvalidOperationException("The store started a transaction without options: it would inherit the connection string's."));
                throw new TransactionRecordedException();
            }
        }
#pragma warning restore CA1852
    }
}

/// <summary>What the recording sessions of <see cref="MongoWiringTests"/> throw once they recorded a transaction's options.</summary>
public sealed class TransactionRecordedException : Exception
{
    public TransactionRecordedException()
        : base("The transaction's options were recorded; it was not run.")
    {
    }

    public TransactionRecordedException(string message)
        : base(message)
    {
    }

    public TransactionRecordedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
