using Crm.ServiceDefaults.Storage.Outbox;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage.Mongo;

/// <summary>
/// A service's MongoDB database (one <see cref="IMongoClient"/> per process). Writes that must be atomic with the
/// outbox, inbox or idempotency collections run in a multi-document transaction (needs a replica set).
/// </summary>
public sealed class MongoDb
{
    public const string Outbox = "outbox";
    public const string Inbox = "inbox";
    public const string Idempotency = "idempotency";

    private static int _conventionsRegistered;
    private readonly TimeProvider _time;
    private readonly OutboxSignal _signal;

    static MongoDb() => RegisterConventions();

    public MongoDb(IMongoClient client, string database, TimeProvider time, OutboxSignal signal)
    {
        Client = client;
        Database = client.GetDatabase(database);
        _time = time;
        _signal = signal;
    }

    public IMongoClient Client { get; }

    public IMongoDatabase Database { get; }

    public IMongoCollection<T> Collection<T>(string name) => Database.GetCollection<T>(name);

    /// <summary>camelCase element names, extra elements ignored, Guids as standard UUIDs, times as BSON dates (ms, UTC).</summary>
    public static void RegisterConventions()
    {
        if (Interlocked.Exchange(ref _conventionsRegistered, 1) == 1)
        {
            return;
        }

        var pack = new ConventionPack
        {
            new CamelCaseElementNameConvention(),
            new IgnoreExtraElementsConvention(true),
            new EnumRepresentationConvention(BsonType.String),
        };
        ConventionRegistry.Register("crm", pack, _ => true);
        BsonSerializer.TryRegisterSerializer(new GuidSerializer(GuidRepresentation.Standard));
        BsonSerializer.TryRegisterSerializer(new DateTimeOffsetSerializer(BsonType.DateTime));
    }

    /// <summary>Creates the platform collections' indexes; idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Collection<MongoOutboxDocument>(Outbox).Indexes.CreateManyAsync(
        [
            new CreateIndexModel<MongoOutboxDocument>(Builders<MongoOutboxDocument>.IndexKeys.Ascending(d => d.SentAt).Ascending(d => d.Id), new CreateIndexOptions { Name = "pending" }),
            new CreateIndexModel<MongoOutboxDocument>(Builders<MongoOutboxDocument>.IndexKeys.Ascending(d => d.SentAt), new CreateIndexOptions { Name = "sent_ttl", ExpireAfter = TimeSpan.FromDays(1), Sparse = true }),
        ], cancellationToken);
        await Collection<MongoInboxDocument>(Inbox).Indexes.CreateOneAsync(
            new CreateIndexModel<MongoInboxDocument>(Builders<MongoInboxDocument>.IndexKeys.Ascending(d => d.ReceivedAt), new CreateIndexOptions { Name = "ttl", ExpireAfter = TimeSpan.FromDays(14) }),
            cancellationToken: cancellationToken);
        await Collection<MongoIdempotencyDocument>(Idempotency).Indexes.CreateOneAsync(
            new CreateIndexModel<MongoIdempotencyDocument>(Builders<MongoIdempotencyDocument>.IndexKeys.Ascending(d => d.CreatedAt), new CreateIndexOptions { Name = "ttl", ExpireAfter = TimeSpan.FromHours(48) }),
            cancellationToken: cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> in one transaction (retried by the driver on transient errors; keep it free of side effects).</summary>
    public async Task<T> InTransactionAsync<T>(Func<MongoTx, Task<T>> work, CancellationToken cancellationToken = default)
    {
        using var session = await Client.StartSessionAsync(cancellationToken: cancellationToken);
        var published = 0;
        var result = await session.WithTransactionAsync(
            async (s, ct) =>
            {
                var tx = new MongoTx(s, this, _time.UtcNowMs());
                var value = await work(tx);
                published = tx.Published;
                return value;
            },
            cancellationToken: cancellationToken);
        if (published > 0)
        {
            _signal.Notify();
        }

        return result;
    }

    public Task InTransactionAsync(Func<MongoTx, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async tx =>
        {
            await work(tx);
            return true;
        }, cancellationToken);

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        var reply = await Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        return reply.Contains("ok");
    }
}
