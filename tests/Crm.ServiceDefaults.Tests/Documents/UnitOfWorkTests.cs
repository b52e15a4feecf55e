using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The unit of work on both backends: the writes, events (outbox), inbox record, idempotency record and timers
/// of one request or message commit together or not at all, and a failed commit leaves nothing behind.
/// </summary>
public sealed class UnitOfWorkTests
{
    private readonly FakeTimeProvider _time = new(T0);

    public sealed record Reminder(string Text, int Times);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Published_events_become_outbox_records_committed_with_the_writes_and_wake_the_dispatcher(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);
        var first = Captured("lead-1");
        var second = Captured("lead-2");

        unit.Insert(Samples, Minimal("s-1"));
        unit.Publish(first);
        unit.Publish(second);
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
        Assert.False(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        await unit.CommitAsync();

        Assert.True(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        var records = await store.Store.FindAsync(PlatformCollections.Outbox.All().OrderBy(x => x.Id));
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Matches("^[0-9a-f]{32}$", r.Id);
            Assert.Equal(typeof(LeadCaptured).FullName, r.Type);
            Assert.Equal(T0, r.CreatedAt);
            Assert.Null(r.DeadAt);
            Assert.Null(r.RetryAt);
            Assert.Equal(0, r.Attempts);
        });
        // In the order published (the ids sort), each body the event itself.
        Assert.Equal([first, second], records.Select(r => (LeadCaptured)OutboxSerializer.Read(r.Type, r.Body).Message));
        Assert.Equal("lead-1", records[0].Body.GetProperty("leadId").GetString());
        Assert.NotNull(await store.Store.GetAsync(Samples, "s-1"));
        Assert.Equal(1, unit.Commits);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_commit_without_events_does_not_wake_the_dispatcher_and_an_empty_unit_commits_nothing(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);

        await unit.CommitAsync();
        Assert.Equal(0, unit.Commits);
        Assert.False(unit.HasWrites);

        unit.Insert(Samples, Minimal("s-1"));
        await unit.CommitAsync();

        Assert.Equal(1, unit.Commits);
        Assert.False(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void Only_contract_events_go_through_the_outbox()
    {
        var unit = new UnitOfWork(new NoStore(), _time, new OutboxSignal());

        Assert.Throws<ArgumentException>(() => unit.Publish(new { LeadId = "lead-1" }));
        Assert.Throws<ArgumentException>(() => unit.Publish(Minimal("s-1")));
        Assert.False(unit.HasWrites);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task The_inbox_record_goes_with_the_first_commit_only(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);
        var key = new InboxKey(Guid.NewGuid().ToString("N"), "defaults-sample-changed");

        unit.Accept(key);
        unit.Insert(Samples, Minimal("s-1"));
        await unit.CommitAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        unit.Insert(Samples, Minimal("s-2"));
        await unit.CommitAsync();

        Assert.Equal(2, unit.Commits);
        var inbox = Assert.Single(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
        Assert.Equal(new InboxRecord { Id = $"defaults-sample-changed:{key.MessageId}", Consumer = "defaults-sample-changed", MessageId = key.MessageId, ReceivedAt = T0 }, inbox);
        Assert.Equal(2, await store.Store.CountAsync(Samples, Filter<Sample>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Units_committed_together_store_everything_in_one_transaction_or_nothing_and_keep_their_writes_when_it_fails(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("taken")));
        var units = new[] { store.NewUnit(_time), store.NewUnit(_time) };
        var keys = units.Select(_ => new InboxKey(Guid.NewGuid().ToString("N"), "defaults-sample-changed")).ToList();
        for (var i = 0; i < units.Length; i++)
        {
            units[i].Accept(keys[i]);
            units[i].Insert(Samples, Minimal($"s-{i}"));
        }

        units[1].Publish(Captured("lead-1"));

        // A shared write that fails (the id is taken): nothing of either unit is stored, and each keeps what it collected.
        await Assert.ThrowsAsync<DuplicateKeyException>(() => UnitOfWork.CommitTogetherAsync(store.Store, units, [Write.Insert(Samples, Minimal("taken"))]));
        Assert.Equal(["taken"], (await store.Store.FindAsync(Samples.All())).Select(s => s.Id));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
        Assert.All(units, u => Assert.Equal((true, 0), (u.HasWrites, u.Commits)));

        await UnitOfWork.CommitTogetherAsync(store.Store, units, [Write.Insert(Samples, Minimal("shared"))]);

        Assert.Equal(["s-0", "s-1", "shared", "taken"], (await store.Store.FindAsync(Samples.All())).Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal(keys.Select(k => $"defaults-sample-changed:{k.MessageId}").Order(StringComparer.Ordinal), (await store.Store.FindAsync(PlatformCollections.Inbox.All())).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Single(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
        Assert.True(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.All(units, u => Assert.Equal((false, 1), (u.HasWrites, u.Commits)));
        // Units of another store are refused before anything is written.
        await using var other = await CreateAsync(Backend.Sqlite);
        await Assert.ThrowsAsync<ArgumentException>(() => UnitOfWork.CommitTogetherAsync(store.Store, [other.NewUnit(_time)], []));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_failed_commit_stores_nothing_and_drops_what_it_collected_but_keeps_the_inbox_record(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("taken")));
        var unit = store.NewUnit(_time);
        var key = new InboxKey(Guid.NewGuid().ToString("N"), "defaults-sample-changed");

        unit.Accept(key);
        unit.Insert(Samples, Minimal("s-1"));
        unit.Publish(Captured("lead-1"));
        unit.Schedule("reminder", "s-1", T0.AddHours(1));
        unit.Insert(Samples, Minimal("taken"));
        await Assert.ThrowsAsync<DuplicateKeyException>(() => unit.CommitAsync());

        Assert.Equal(["taken"], (await store.Store.FindAsync(Samples.All())).Select(s => s.Id));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Inbox.All()));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
        Assert.False(await store.Signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(0, unit.Commits);
        Assert.True(unit.HasWrites); // the inbox record waits for the next commit

        // Run again: only what the unit collects now is committed, with the inbox record.
        unit.Insert(Samples, Minimal("s-2"));
        await unit.CommitAsync();

        Assert.Equal(["s-2", "taken"], (await store.Store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Id));
        Assert.Equal([key.Id], (await store.Store.FindAsync(PlatformCollections.Inbox.All())).Select(r => r.Id));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Timers.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task After_commit_actions_run_once_after_a_commit_never_after_a_failed_one(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("taken")));
        var unit = store.NewUnit(_time);
        var ran = new List<string>();

        unit.Insert(Samples, Minimal("taken"));
        unit.AfterCommit(() => ran.Add("failed"));
        await Assert.ThrowsAsync<DuplicateKeyException>(() => unit.CommitAsync());
        Assert.Empty(ran);

        unit.Insert(Samples, Minimal("s-1"));
        unit.AfterCommit(() => ran.Add($"stored: {store.Store.GetAsync(Samples, "s-1").GetAwaiter().GetResult() is not null}"));
        await unit.CommitAsync();
        await unit.CommitAsync();
        Assert.Equal(["stored: True"], ran);

        unit.AfterCommit(() => ran.Add("nothing to commit"));
        await unit.CommitAsync();
        Assert.Equal(["stored: True", "nothing to commit"], ran);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Discard_drops_what_was_collected_and_reads_see_only_committed_data(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);

        unit.Insert(Samples, Minimal("s-1"));
        unit.Publish(Captured("lead-1"));
        Assert.Null(await unit.GetAsync(Samples, "s-1"));
        unit.Discard();
        await unit.CommitAsync();

        Assert.Equal(0, unit.Commits);
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
    }

    [Fact]
    public void Replace_refuses_a_document_whose_version_did_not_move_past_the_expected_one()
    {
        var unit = new UnitOfWork(new NoStore(), _time, new OutboxSignal());

        Assert.Throws<ArgumentException>(() => unit.Replace(Samples, Minimal("s-1") with { Version = 3 }, expectedVersion: 3));
        Assert.Throws<ArgumentException>(() => unit.Replace(Samples, Minimal("s-1") with { Version = 2 }, expectedVersion: 3));
        Assert.False(unit.HasWrites);
        unit.Replace(Samples, Minimal("s-1") with { Version = 4 }, expectedVersion: 3);
        Assert.True(unit.HasWrites);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Replace_commits_over_the_version_that_was_read(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-1")));
        var read = (await store.Store.GetAsync(Samples, "s-1"))!;
        var first = store.NewUnit(_time);
        var second = store.NewUnit(_time);

        first.Replace(Samples, read with { Version = 2, Name = "first" }, read.Version);
        second.Replace(Samples, read with { Version = 2, Name = "second" }, read.Version);
        await first.CommitAsync();

        await Assert.ThrowsAsync<ConcurrencyException>(() => second.CommitAsync());
        Assert.Equal(("first", 2L), await NameAndVersionAsync(store, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Schedule_writes_the_timer_again_moves_it_and_cancel_deletes_it(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);

        unit.Schedule("reminder", "lead-1", T0.AddHours(1), new Reminder("call back", 2));
        unit.Schedule("reminder", "lead-2", T0.AddHours(3));
        await unit.CommitAsync();

        var timer = (await store.Store.GetAsync(PlatformCollections.Timers, "reminder:lead-1"))!;
        Assert.Equal(("reminder", "lead-1", T0.AddHours(1), T0, 0), (timer.Kind, timer.Key, timer.DueAt, timer.ScheduledAt, timer.Attempts));
        Assert.Equal(new Reminder("call back", 2), timer.PayloadAs<Reminder>());
        Assert.Equal("{\"text\":\"call back\",\"times\":2}", timer.Payload);
        Assert.Null((await store.Store.GetAsync(PlatformCollections.Timers, "reminder:lead-2"))!.Payload);

        _time.Advance(TimeSpan.FromMinutes(1));
        var later = store.NewUnit(_time);
        later.Schedule("reminder", "lead-1", T0.AddDays(1), new Reminder("moved", 1));
        later.CancelTimer("reminder", "lead-2");
        later.CancelTimer("reminder", "never-scheduled");
        await later.CommitAsync();

        var timers = await store.Store.FindAsync(PlatformCollections.Timers.All());
        var moved = Assert.Single(timers);
        Assert.Equal(("reminder:lead-1", T0.AddDays(1), T0.AddMinutes(1)), (moved.Id, moved.DueAt, moved.ScheduledAt));
        Assert.Equal(new Reminder("moved", 1), moved.PayloadAs<Reminder>());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_idempotent_response_with_a_taken_key_fails_the_whole_commit_on_the_idempotency_collection(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var winner = store.NewUnit(_time);
        var loser = store.NewUnit(_time);

        winner.RecordIdempotentResponse(Response("key-1", "{\"id\":\"s-1\"}"));
        winner.Insert(Samples, Minimal("s-1"));
        await winner.CommitAsync();
        loser.RecordIdempotentResponse(Response("key-1", "{\"id\":\"s-2\"}"));
        loser.Insert(Samples, Minimal("s-2"));
        loser.Publish(Captured("lead-2"));

        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => loser.CommitAsync());

        Assert.Equal("idempotency", error.Collection);
        Assert.Equal("{\"id\":\"s-1\"}", (await store.Store.GetAsync(PlatformCollections.Idempotency, IdempotentResponse.IdOf("leads", "key-1")))!.Body);
        Assert.Null(await store.Store.GetAsync(Samples, "s-2"));
        Assert.Empty(await store.Store.FindAsync(PlatformCollections.Outbox.All()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Run_runs_the_work_again_on_fresh_data_when_its_commit_meets_a_concurrent_change(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));
        var unit = store.NewUnit(_time);
        var runs = 0;

        var result = await unit.RunAsync(async () =>
        {
            runs++;
            var counter = (await unit.GetAsync(Samples, "counter"))!;
            if (runs == 1)
            {
                // Another writer commits between this work's read and its commit.
                await store.Store.CommitAsync(Write.Replace(Samples, counter with { Count = 100, Version = 2 }, expectedVersion: 1));
            }

            unit.Replace(Samples, counter with { Count = counter.Count + 1, Version = counter.Version + 1 }, counter.Version);
            unit.Insert(Samples, Minimal($"audit-{runs}"));
            return counter.Count + 1;
        });

        Assert.Equal((2, 101), (runs, result));
        Assert.Equal((101, 3L), await CountAndVersionAsync(store, "counter"));
        Assert.Null(await store.Store.GetAsync(Samples, "audit-1"));
        Assert.NotNull(await store.Store.GetAsync(Samples, "audit-2"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Run_runs_again_after_losing_an_insert_race_on_the_collection_it_names_but_not_on_another(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var unit = store.NewUnit(_time);
        var runs = 0;

        var name = await unit.RunAsync(
            async () =>
            {
                runs++;
                if (await unit.GetAsync(Samples, "s-1") is { } existing)
                {
                    return existing.Name;
                }

                if (runs == 1)
                {
                    await store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-1", "the winner")));
                }

                unit.Insert(Samples, Minimal("s-1", "this unit"));
                return "this unit";
            },
            raceOn: Samples);

        Assert.Equal((2, "the winner"), (runs, name));

        // A duplicate in a collection the work did not name is a fault: thrown at once, not run again.
        await store.Store.CommitAsync(Write.Insert(PlatformCollections.Idempotency, Response("key-1", "{}")));
        runs = 0;
        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => unit.RunAsync(
            () =>
            {
                runs++;
                unit.RecordIdempotentResponse(Response("key-1", "{}"));
                return Task.FromResult(0);
            },
            raceOn: Samples));
        Assert.Equal(("idempotency", 1), (error.Collection, runs));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Run_gives_up_after_its_attempts_with_the_conflict_and_commits_nothing(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("counter")));
        var unit = store.NewUnit(_time);
        var runs = 0;

        await Assert.ThrowsAsync<ConcurrencyException>(() => unit.RunAsync(
            async () =>
            {
                runs++;
                var counter = (await unit.GetAsync(Samples, "counter"))!;
                await store.Store.CommitAsync(Write.Replace(Samples, counter with { Count = counter.Count + 100, Version = counter.Version + 1 }, counter.Version));
                unit.Replace(Samples, counter with { Count = counter.Count + 1, Version = counter.Version + 1 }, counter.Version);
                unit.Insert(Samples, Minimal($"audit-{runs}"));
                return 0;
            },
            attempts: 3));

        Assert.Equal(3, runs);
        Assert.Equal((300, 4L), await CountAndVersionAsync(store, "counter"));
        Assert.Equal(1, await store.Store.CountAsync(Samples, Filter<Sample>.All));
    }

    private static IdempotentResponse Response(string key, string body) => new()
    {
        Scope = "leads",
        Key = key,
        RequestHash = IdempotentResponse.Hash("{}"u8),
        StatusCode = 201,
        Body = body,
        CreatedAt = T0,
    };

    private static Task<TestStore> CreateAsync(Backend backend) => TestStore.CreateAsync(backend, "defaults", Samples);

    private static async Task<(string, long)> NameAndVersionAsync(TestStore store, string id)
    {
        var sample = (await store.Store.GetAsync(Samples, id))!;
        return (sample.Name, sample.Version);
    }

    private static async Task<(int, long)> CountAndVersionAsync(TestStore store, string id)
    {
        var sample = (await store.Store.GetAsync(Samples, id))!;
        return (sample.Count, sample.Version);
    }

    /// <summary>A store the test never reaches (the unit refuses before it would).</summary>
    private sealed class NoStore : IDocumentStore
    {
        public string Provider => "none";

        public Task<T?> GetAsync<T>(DocumentCollection<T> collection, string id, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<long> CountAsync<T>(DocumentCollection<T> collection, Filter<T> filter, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<T>> ClaimAsync<T>(Query<T> claimable, Update<T> update, Filter<T> claimed, CancellationToken cancellationToken = default)
            where T : class, IDocument => throw new NotSupportedException();

        public Task InitializeAsync(IReadOnlyCollection<IDocumentCollection> collections, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task PingAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
