using Crm.Contracts.Messaging;
using Crm.Messaging.Messages;
using Crm.Messaging.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.ServiceDefaults.Storage.Outbox;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>The semantics every <see cref="IMessageStore"/> must have; run against SQLite and MongoDB.</summary>
public abstract class MessageStoreContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-22T18:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    /// <summary>The stores' clock (transaction times, claim leases).</summary>
    protected FakeTimeProvider Time { get; } = new(T0);

    protected abstract Task<IMessageStore> CreateStoreAsync();

    protected abstract Task<long> CountPendingOutboxAsync();

    [SkippableFact]
    public async Task Claim_then_complete_round_trips_every_field_and_writes_the_events_to_the_outbox()
    {
        var store = await CreateStoreAsync();
        var message = NewMessage(contactId: "c-1", leadId: "l-1");
        var inbox = Inbox();

        var claim = await store.ClaimAsync(inbox, Pending(message), "token-1", Lease);
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, message.Id), claim);
        Assert.Equal("sending", (await store.GetAsync(message.Id))!.Status);
        Assert.Empty(await store.ListAsync(new MessageQuery { LeadId = "l-1" }));

        Assert.True(await store.CompleteAsync(inbox, message, "token-1", [Sent(message)]));

        Assert.Equal(message, await store.GetAsync(message.Id));
        Assert.Equal([message], await store.ListAsync(new MessageQuery { LeadId = "l-1" }));
        Assert.Equal(1, await CountPendingOutboxAsync());
    }

    [SkippableFact]
    public async Task Get_unknown_returns_null()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync(Ids.New()));
    }

    [SkippableFact]
    public async Task A_completed_inbox_key_is_already_handled_whatever_lead_it_names()
    {
        var store = await CreateStoreAsync();
        var inbox = Inbox();
        await RecordAsync(store, NewMessage(leadId: "l-1"), inbox);
        var other = NewMessage(leadId: "l-2");

        Assert.Equal(ClaimStatus.AlreadyHandled, (await store.ClaimAsync(inbox, Pending(other), "t", Lease)).Status);

        Assert.Null(await store.GetAsync(other.Id));
    }

    [SkippableFact]
    public async Task A_finished_message_for_the_same_lead_and_template_is_already_handled()
    {
        var store = await CreateStoreAsync();
        await RecordAsync(store, NewMessage(leadId: "l-1"));
        var second = NewMessage(leadId: "l-1");

        Assert.Equal(ClaimStatus.AlreadyHandled, (await store.ClaimAsync(Inbox(), Pending(second), "t", Lease)).Status);

        Assert.Null(await store.GetAsync(second.Id));
        Assert.Equal(1, await CountPendingOutboxAsync());
    }

    [SkippableFact]
    public async Task A_claim_held_by_another_delivery_is_busy_until_its_lease_ends_then_taken_over_under_the_same_id()
    {
        var store = await CreateStoreAsync();
        var first = NewMessage(leadId: "l-1");
        var firstInbox = Inbox();
        Assert.Equal(ClaimStatus.Claimed, (await store.ClaimAsync(firstInbox, Pending(first), "token-1", Lease)).Status);
        var secondInbox = Inbox();

        Assert.Equal(ClaimStatus.Busy, (await store.ClaimAsync(secondInbox, Pending(NewMessage(leadId: "l-1")), "token-2", Lease)).Status);
        Assert.Equal(ClaimStatus.Busy, (await store.ClaimAsync(firstInbox, Pending(NewMessage(leadId: "l-1")), "token-3", Lease)).Status);

        Time.Advance(Lease + TimeSpan.FromMilliseconds(1));
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, first.Id), await store.ClaimAsync(secondInbox, Pending(NewMessage(leadId: "l-1")), "token-2", Lease));

        // The first delivery lost its claim: its completion writes nothing.
        Assert.False(await store.CompleteAsync(firstInbox, first, "token-1", [Sent(first)]));
        Assert.Equal(0, await CountPendingOutboxAsync());
        Assert.True(await store.CompleteAsync(secondInbox, first, "token-2", [Sent(first)]));
        Assert.Equal(1, await CountPendingOutboxAsync());
        Assert.Equal(first, await store.GetAsync(first.Id));
    }

    [SkippableFact]
    public async Task A_completion_with_a_wrong_token_writes_nothing_not_even_the_inbox_entry()
    {
        var store = await CreateStoreAsync();
        var message = NewMessage(leadId: "l-1");
        var inbox = Inbox();
        await store.ClaimAsync(inbox, Pending(message), "token-1", Lease);

        Assert.False(await store.CompleteAsync(inbox, message, "token-x", [Sent(message)]));

        Assert.Equal("sending", (await store.GetAsync(message.Id))!.Status);
        Assert.Equal(0, await CountPendingOutboxAsync());
        Assert.Equal(ClaimStatus.Claimed, (await store.ClaimAsync(inbox, Pending(NewMessage(leadId: "l-2")), "token-2", Lease)).Status);
    }

    [SkippableFact]
    public async Task A_released_claim_can_be_claimed_again_at_once()
    {
        var store = await CreateStoreAsync();
        var message = NewMessage(leadId: "l-1");
        var inbox = Inbox();
        await store.ClaimAsync(inbox, Pending(message), "token-1", Lease);

        await store.ReleaseAsync(message.Id, "token-other");
        Assert.NotNull(await store.GetAsync(message.Id));
        await store.ReleaseAsync(message.Id, "token-1");
        Assert.Null(await store.GetAsync(message.Id));

        var retry = NewMessage(leadId: "l-1");
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, retry.Id), await store.ClaimAsync(inbox, Pending(retry), "token-2", Lease));
    }

    [SkippableFact]
    public async Task Release_never_deletes_a_finished_message()
    {
        var store = await CreateStoreAsync();
        var message = NewMessage(leadId: "l-1");
        await RecordAsync(store, message, token: "token-1");

        await store.ReleaseAsync(message.Id, "token-1");

        Assert.Equal(message, await store.GetAsync(message.Id));
    }

    [SkippableFact]
    public async Task Another_template_for_the_same_lead_and_messages_without_a_lead_are_not_limited()
    {
        var store = await CreateStoreAsync();

        await RecordAsync(store, NewMessage(leadId: "l-1", template: "welcome"));
        await RecordAsync(store, NewMessage(leadId: "l-1", template: "follow-up"));
        await RecordAsync(store, NewMessage(leadId: null));
        await RecordAsync(store, NewMessage(leadId: null));

        Assert.Equal(4, (await store.ListAsync(new MessageQuery())).Count);
    }

    [SkippableFact]
    public async Task Skipped_messages_publish_nothing()
    {
        var store = await CreateStoreAsync();
        var skipped = NewMessage(leadId: "l-1") with { To = "", Status = "skipped" };

        await RecordAsync(store, skipped, events: []);

        Assert.Equal(skipped, await store.GetAsync(skipped.Id));
        Assert.Equal(0, await CountPendingOutboxAsync());
    }

    [SkippableFact]
    public async Task List_filters_by_contact_and_lead_newest_first()
    {
        var store = await CreateStoreAsync();
        var a1 = NewMessage("c-a", "l-1", sentAt: T0);
        var a2 = NewMessage("c-a", "l-2", sentAt: T0.AddMinutes(2));
        var a3 = NewMessage("c-a", "l-3", sentAt: T0.AddMinutes(1));
        var b1 = NewMessage("c-b", "l-4", sentAt: T0.AddMinutes(3));
        foreach (var m in new[] { a1, a2, a3, b1 })
        {
            await RecordAsync(store, m);
        }

        Assert.Equal([a2.Id, a3.Id, a1.Id], (await store.ListAsync(new MessageQuery { ContactId = "c-a" })).Select(m => m.Id));
        Assert.Equal([b1.Id], (await store.ListAsync(new MessageQuery { LeadId = "l-4" })).Select(m => m.Id));
        Assert.Equal([a3.Id], (await store.ListAsync(new MessageQuery { ContactId = "c-a", LeadId = "l-3" })).Select(m => m.Id));
        Assert.Empty(await store.ListAsync(new MessageQuery { ContactId = "c-b", LeadId = "l-1" }));
        Assert.Equal([b1.Id, a2.Id, a3.Id, a1.Id], (await store.ListAsync(new MessageQuery())).Select(m => m.Id));
    }

    [SkippableFact]
    public async Task List_pages_with_a_cursor_without_gaps_or_repeats_also_when_times_tie()
    {
        var store = await CreateStoreAsync();
        var expected = new List<Message>();
        for (var i = 0; i < 7; i++)
        {
            // Two messages per instant: the id breaks the tie.
            var message = NewMessage("c-page", $"l-{i}", sentAt: T0.AddSeconds(i / 2));
            await RecordAsync(store, message);
            expected.Add(message);
        }

        var seen = new List<string>();
        MessageCursor? after = null;
        while (true)
        {
            var page = await store.ListAsync(new MessageQuery { ContactId = "c-page", After = after, Limit = 3 });
            seen.AddRange(page.Select(m => m.Id));
            if (page.Count < 3)
            {
                break;
            }

            after = MessageCursor.From(page[^1]);
        }

        Assert.Equal(expected.OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id, StringComparer.Ordinal).Select(m => m.Id), seen);
    }

    [SkippableFact]
    public async Task List_leaves_out_messages_still_being_sent()
    {
        var store = await CreateStoreAsync();
        var done = NewMessage("c-s", "l-1");
        await RecordAsync(store, done);
        await store.ClaimAsync(Inbox(), Pending(NewMessage("c-s", "l-2")), "t", Lease);

        Assert.Equal([done], await store.ListAsync(new MessageQuery { ContactId = "c-s" }));
    }

    private static async Task RecordAsync(IMessageStore store, Message message, InboxKey? inbox = null, string token = "token", IReadOnlyList<object>? events = null)
    {
        var key = inbox ?? Inbox();
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, message.Id), await store.ClaimAsync(key, Pending(message), token, Lease));
        Assert.True(await store.CompleteAsync(key, message, token, events ?? [Sent(message)]));
    }

    private static Message Pending(Message message) => message with { To = "", Subject = "", Status = "sending" };

    private static InboxKey Inbox() => new(Ids.New(), "LeadAssignedConsumer");

    private static Message NewMessage(string contactId = "c-1", string? leadId = "l-1", string template = "welcome", DateTimeOffset? sentAt = null) => new()
    {
        Id = Ids.New(),
        ContactId = contactId,
        LeadId = leadId,
        Channel = "email",
        Template = template,
        To = "ada@example.com",
        Subject = "Welcome, Ada!",
        Status = "sent",
        SentAt = sentAt ?? T0,
    };

    private static MessageSent Sent(Message message) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = message.SentAt,
        MessageId = message.Id,
        ContactId = message.ContactId,
        LeadId = message.LeadId,
        Channel = message.Channel,
        Template = message.Template,
        To = message.To,
    };
}

public sealed class SqliteMessageStoreTests : MessageStoreContract, IDisposable
{
    private readonly TempDirectory _directory = new("crm-messaging-store");
    private readonly OutboxSignal _signal = new();
    private SqliteDb? _db;

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        _db = new SqliteDb(_directory.Combine("messaging.db"), MessagingSchema.Value.SqliteStatements, Time, _signal);
        await _db.InitializeAsync();
        return new SqliteMessageStore(_db);
    }

    protected override Task<long> CountPendingOutboxAsync() =>
        new SqliteOutboxStore(_db!, TimeProvider.System).CountPendingAsync(CancellationToken.None);

    public void Dispose()
    {
        _signal.Dispose();
        _directory.Dispose();
    }
}

public sealed class MongoMessageStoreTests : MessageStoreContract, IDisposable
{
    private readonly OutboxSignal _signal = new();
    private MongoDb? _db;

    protected override async Task<IMessageStore> CreateStoreAsync()
    {
        var url = MongoTestServer.RequireUrl();
        _db = new MongoDb(new MongoClient(url), MongoTestServer.NewDatabaseName("messaging"), Time, _signal);
        await _db.InitializeAsync();
        await MessagingSchema.Value.CreateMongoIndexesAsync(_db.Database, CancellationToken.None);
        return new MongoMessageStore(_db);
    }

    protected override Task<long> CountPendingOutboxAsync() =>
        new MongoOutboxStore(_db!, TimeProvider.System).CountPendingAsync(CancellationToken.None);

    public void Dispose()
    {
        if (_db is not null)
        {
            _db.Client.DropDatabase(_db.Database.DatabaseNamespace.DatabaseName);
        }

        _signal.Dispose();
    }
}
