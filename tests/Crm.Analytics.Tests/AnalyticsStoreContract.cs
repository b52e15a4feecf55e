using Crm.Analytics.Counters;
using Crm.Analytics.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>The semantics every <see cref="IAnalyticsStore"/> must have; run against SQLite and MongoDB.</summary>
public abstract class AnalyticsStoreContract
{
    private static readonly DateOnly D1 = new(2026, 11, 21);
    private static readonly DateOnly D2 = new(2026, 11, 22);

    protected abstract Task<IAnalyticsStore> CreateStoreAsync();

    [SkippableFact]
    public async Task Increment_creates_counters_at_one_then_adds_one()
    {
        var store = await CreateStoreAsync();
        var increment = new CounterIncrement(D1, [new(Metric.LeadsCaptured, ""), new(Metric.LeadsBySource, "ads"), new(Metric.LeadsByChannel, "web")]);

        Assert.True(await store.IncrementAsync(Inbox(), increment));
        Assert.True(await store.IncrementAsync(Inbox(), increment));
        Assert.True(await store.IncrementAsync(Inbox(), new CounterIncrement(D1, [new(Metric.LeadsBySource, "partner")])));

        Assert.Equal(
            [
                new DayCounter(D1, Metric.LeadsByChannel, "web", 2),
                new DayCounter(D1, Metric.LeadsBySource, "ads", 2),
                new DayCounter(D1, Metric.LeadsBySource, "partner", 1),
                new DayCounter(D1, Metric.LeadsCaptured, "", 2),
            ],
            await store.ReadAsync(D1, D1));
    }

    [SkippableFact]
    public async Task The_same_inbox_key_counts_once()
    {
        var store = await CreateStoreAsync();
        var inbox = Inbox();
        var increment = new CounterIncrement(D1, [new(Metric.LeadsAssigned, "")]);

        Assert.True(await store.IncrementAsync(inbox, increment));
        Assert.False(await store.IncrementAsync(inbox, increment));
        Assert.False(await store.IncrementAsync(inbox, new CounterIncrement(D2, [new(Metric.MessagesSent, "")])));

        Assert.Equal([new DayCounter(D1, Metric.LeadsAssigned, "", 1)], await store.ReadAsync(D1, D2));
    }

    [SkippableFact]
    public async Task The_same_message_for_another_consumer_counts_too()
    {
        var store = await CreateStoreAsync();
        var messageId = Guid.NewGuid().ToString("N");

        Assert.True(await store.IncrementAsync(new InboxKey(messageId, "LeadCapturedConsumer"), new CounterIncrement(D1, [new(Metric.LeadsCaptured, "")])));
        Assert.True(await store.IncrementAsync(new InboxKey(messageId, "LeadScoredConsumer"), new CounterIncrement(D1, [new(Metric.ScoredByGrade, "hot")])));

        Assert.Equal(2, (await store.ReadAsync(D1, D1)).Count);
    }

    [SkippableFact]
    public async Task Read_returns_the_days_of_the_period_both_ends_included_ordered()
    {
        var store = await CreateStoreAsync();
        foreach (var day in new[] { D2, D1.AddDays(-1), D1, D2.AddDays(1) })
        {
            await store.IncrementAsync(Inbox(), new CounterIncrement(day, [new(Metric.LeadsAssigned, ""), new(Metric.MessagesSent, "")]));
        }

        var counters = await store.ReadAsync(D1, D2);

        Assert.Equal(
            [
                new DayCounter(D1, Metric.LeadsAssigned, "", 1),
                new DayCounter(D1, Metric.MessagesSent, "", 1),
                new DayCounter(D2, Metric.LeadsAssigned, "", 1),
                new DayCounter(D2, Metric.MessagesSent, "", 1),
            ],
            counters);
        Assert.Empty(await store.ReadAsync(D2.AddDays(2), D2.AddDays(30)));
    }

    [SkippableFact]
    public async Task Keys_keep_their_case_and_characters()
    {
        var store = await CreateStoreAsync();

        await store.IncrementAsync(Inbox(), new CounterIncrement(D1, [new(Metric.LeadsBySource, "Partner A|B"), new(Metric.LeadsBySource, "partner a|b")]));

        Assert.Equal(["Partner A|B", "partner a|b"], (await store.ReadAsync(D1, D1)).Select(c => c.Key).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task Concurrent_increments_of_one_counter_lose_nothing()
    {
        var store = await CreateStoreAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.IncrementAsync(Inbox(), new CounterIncrement(D1, [new(Metric.LeadsAssigned, "")]))));

        Assert.Equal([new DayCounter(D1, Metric.LeadsAssigned, "", 20)], await store.ReadAsync(D1, D1));
    }

    private static InboxKey Inbox() => new(Guid.NewGuid().ToString("N"), "LeadAssignedConsumer");
}

public sealed class SqliteAnalyticsStoreTests : AnalyticsStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new("crm-analytics-store");
    private readonly OutboxSignal _signal = new();

    protected override async Task<IAnalyticsStore> CreateStoreAsync()
    {
        var db = new SqliteDb(_directory.Combine("analytics.db"), AnalyticsSchema.Value.SqliteStatements, TimeProvider.System, _signal);
        await db.InitializeAsync();
        return new SqliteAnalyticsStore(db);
    }

    public void Dispose()
    {
        _signal.Dispose();
        _directory.Dispose();
    }
}

public sealed class MongoAnalyticsStoreTests : AnalyticsStoreContract, IDisposable
{
    private readonly OutboxSignal _signal = new();
    private MongoDb? _db;

    protected override async Task<IAnalyticsStore> CreateStoreAsync()
    {
        var url = MongoTestServer.RequireUrl();
        _db = new MongoDb(new MongoClient(url), MongoTestServer.NewDatabaseName("analytics"), TimeProvider.System, _signal);
        await _db.InitializeAsync();
        await AnalyticsSchema.Value.CreateMongoIndexesAsync(_db.Database, CancellationToken.None);
        return new MongoAnalyticsStore(_db);
    }

    public void Dispose()
    {
        if (_db is not null)
        {
            _db.Client.DropDatabase(_db.Database.DatabaseNamespace.DatabaseName);
        }

        _signal.Dispose();
    }
}
