using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>The guarantees of DESIGN.md §5 on a real SQLite file: nothing committed is lost, nothing is applied twice.</summary>
public sealed class OutboxInboxTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("crm-outbox");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    private string DbPath => _dir.Combine("svc.db");

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddMassTransitTestHarness(x => x.SetTestTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2)))
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task An_event_committed_before_a_crash_is_published_after_restart_with_the_outbox_id_as_message_id()
    {
        // The "process" that commits and dies before its dispatcher runs.
        var before = await OpenAsync();
        var leadId = Ids.New();
        await before.InTransactionAsync(tx => tx.PublishAsync(Captured(leadId)));
        var pendingId = await PendingIdAsync(before);

        // A new process on the same file.
        var after = await OpenAsync();
        var dispatcher = Dispatcher(new SqliteOutboxStore(after, _time));
        Assert.Equal(1, await dispatcher.DispatchOnceAsync(CancellationToken.None));

        var published = _harness.Published.Select<LeadCaptured>().Single(m => m.Context.Message.LeadId == leadId);
        Assert.Equal(Guid.ParseExact(pendingId, "N"), published.Context.MessageId);
        Assert.Equal(0, await new SqliteOutboxStore(after, _time).CountPendingAsync(CancellationToken.None));
        Assert.Equal(0, await dispatcher.DispatchOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_rolled_back_change_publishes_nothing()
    {
        var db = await OpenAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync(async tx =>
        {
            await tx.PublishAsync(Captured(Ids.New()));
            throw new InvalidOperationException("the change failed");
        }));

        Assert.Equal(0, await new SqliteOutboxStore(db, _time).CountPendingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_crash_between_publish_and_mark_republishes_the_same_message_id_after_the_lease_expires()
    {
        var db = await OpenAsync();
        await db.InTransactionAsync(tx => tx.PublishAsync(Captured(Ids.New())));
        var store = new SqliteOutboxStore(db, _time);

        // Replica A claims the record, publishes, and dies before marking it sent.
        var claimed = await store.ClaimAsync("replica-a", 10, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Single(claimed);

        // While the lease holds, replica B does not take it.
        var dispatcherB = Dispatcher(store);
        Assert.Equal(0, await dispatcherB.DispatchOnceAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await dispatcherB.DispatchOnceAsync(CancellationToken.None));
        Assert.Equal(Guid.ParseExact(claimed[0].Id, "N"), _harness.Published.Select<LeadCaptured>().Single().Context.MessageId);
    }

    [Fact]
    public async Task Two_replicas_never_claim_the_same_record()
    {
        var db = await OpenAsync();
        for (var i = 0; i < 40; i++)
        {
            await db.InTransactionAsync(tx => tx.PublishAsync(Captured(Ids.New())));
        }

        var a = new SqliteOutboxStore(await OpenAsync(), _time);
        var b = new SqliteOutboxStore(await OpenAsync(), _time);
        var claims = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).ClaimAsync($"r{i}", 7, TimeSpan.FromMinutes(1), CancellationToken.None)));

        var ids = claims.SelectMany(c => c).Select(m => m.Id).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task The_inbox_applies_a_message_once_and_forgets_it_when_the_effect_rolls_back()
    {
        var db = await OpenAsync();
        var key = new InboxKey(Guid.NewGuid().ToString("N"), "TestConsumer");

        await Assert.ThrowsAsync<InvalidOperationException>(() => db.InTransactionAsync(async tx =>
        {
            Assert.True(await tx.TryAcceptAsync(key));
            throw new InvalidOperationException("the effect failed, so the message must be applied on redelivery");
        }));

        Assert.True(await db.InTransactionAsync(tx => tx.TryAcceptAsync(key)));
        Assert.False(await db.InTransactionAsync(tx => tx.TryAcceptAsync(key)));
        Assert.True(await db.InTransactionAsync(tx => tx.TryAcceptAsync(key with { Consumer = "OtherConsumer" })));
    }

    [Fact]
    public async Task An_idempotency_key_is_kept_once()
    {
        var db = await OpenAsync();
        var response = new IdempotentResponse
        {
            Scope = "test",
            Key = "k-1",
            RequestHash = IdempotentResponse.Hash("{}"u8),
            StatusCode = 201,
            Location = "/api/x/1",
            Body = "{\"id\":\"1\"}",
            CreatedAt = _time.UtcNowMs(),
        };
        await db.InTransactionAsync(tx => tx.RecordIdempotencyAsync(response));
        await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => db.InTransactionAsync(tx => tx.RecordIdempotencyAsync(response with { Body = "other" })));

        Assert.Equal(response, await new SqliteIdempotencyStore(db).GetAsync("test", "k-1"));
        Assert.Null(await new SqliteIdempotencyStore(db).GetAsync("test", "k-2"));
    }

    [Fact]
    public async Task Events_written_in_one_transaction_are_published_in_that_order()
    {
        var db = await OpenAsync();
        var leadIds = Enumerable.Range(0, 50).Select(_ => Ids.New()).ToList();
        await db.InTransactionAsync(async tx =>
        {
            foreach (var id in leadIds)
            {
                await tx.PublishAsync(Captured(id));
            }
        });

        Assert.Equal(50, await Dispatcher(new SqliteOutboxStore(db, _time)).DispatchOnceAsync(CancellationToken.None));
        Assert.Equal(leadIds, _harness.Published.Select<LeadCaptured>().Select(m => m.Context.Message.LeadId).ToList());
    }

    [Fact]
    public async Task Only_contract_events_go_through_the_outbox()
    {
        var db = await OpenAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => db.InTransactionAsync(tx => tx.PublishAsync(new { Anything = 1 })));
    }

    private async Task<SqliteDb> OpenAsync()
    {
        var db = new SqliteDb(DbPath, [], _time, new OutboxSignal());
        await db.InitializeAsync();
        return db;
    }

    private static async Task<string> PendingIdAsync(SqliteDb db) =>
        await db.ReadAsync(async c =>
        {
            await using var command = c.CreateCommand();
            command.CommandText = "SELECT id FROM outbox WHERE sent_at IS NULL";
            return (string)(await command.ExecuteScalarAsync())!;
        });

    private LegacyOutboxDispatcher Dispatcher(IOutboxStore store) => new(
        store,
        _harness.Bus,
        new OutboxSignal(),
        new OutboxOptions(),
        new NoLifetime(),
        _time,
        NullLogger<LegacyOutboxDispatcher>.Instance);

    private LeadCaptured Captured(string leadId) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = _time.UtcNowMs(),
        LeadId = leadId,
        ContactId = Ids.New(),
        Source = "test",
        Channel = "web",
    };

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
