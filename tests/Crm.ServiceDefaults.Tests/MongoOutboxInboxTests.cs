using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>
/// The outbox / inbox / idempotency guarantees on MongoDB (a replica set: transactions). Runs when
/// CRM_TEST_MONGO_URL names a server; skipped visibly otherwise (the SQLite twins in OutboxInboxTests always run).
/// </summary>
public sealed class MongoOutboxInboxTests
{
    [SkippableFact]
    public async Task Committed_events_are_claimed_once_in_order_and_rolled_back_ones_never()
    {
        var db = await OpenAsync();
        var first = Captured();
        var second = Captured();
        await db.InTransactionAsync(async tx =>
        {
            await tx.PublishAsync(first);
            await tx.PublishAsync(second);
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync(async tx =>
        {
            await tx.PublishAsync(Captured());
            throw new InvalidOperationException("rolled back");
        }));

        var store = new MongoOutboxStore(db, TimeProvider.System);
        var claims = await Task.WhenAll(store.ClaimAsync("a", 10, TimeSpan.FromMinutes(1), default), store.ClaimAsync("b", 10, TimeSpan.FromMinutes(1), default));
        var claimed = claims.SelectMany(c => c).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();

        Assert.Equal([first.LeadId, second.LeadId], claimed.Select(m => ((LeadCaptured)OutboxSerializer.Read(m).Message).LeadId));
        await store.MarkSentAsync([.. claimed.Select(m => m.Id)], default);
        Assert.Equal(0, await store.CountPendingAsync(default));
    }

    [SkippableFact]
    public async Task The_inbox_applies_a_message_once_and_the_idempotency_key_is_kept_once()
    {
        var db = await OpenAsync();
        var key = new InboxKey(Guid.NewGuid().ToString("N"), "TestConsumer");
        Assert.True(await db.InTransactionAsync(tx => tx.TryAcceptAsync(key)));
        Assert.False(await db.InTransactionAsync(tx => tx.TryAcceptAsync(key)));

        var response = new IdempotentResponse { Scope = "s", Key = "k", RequestHash = "h", StatusCode = 201, Body = "{}", CreatedAt = TimeProvider.System.UtcNowMs() };
        await db.InTransactionAsync(tx => tx.RecordIdempotencyAsync(response));
        await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => db.InTransactionAsync(tx => tx.RecordIdempotencyAsync(response)));
        Assert.Equal(response, await new MongoIdempotencyStore(db).GetAsync("s", "k"));
    }

    private static async Task<MongoDb> OpenAsync()
    {
        var url = MongoTestServer.RequireUrl();
        var db = new MongoDb(new MongoClient(url), MongoTestServer.NewDatabaseName("defaults"), TimeProvider.System, new OutboxSignal());
        await db.InitializeAsync();
        return db;
    }

    private static LeadCaptured Captured() => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = Ids.New(),
        ContactId = Ids.New(),
        Source = "test",
        Channel = "web",
    };
}
