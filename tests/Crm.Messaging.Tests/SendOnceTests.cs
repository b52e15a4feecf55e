using Crm.Contracts.Messaging;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>
/// The claim → send → complete rule (<see cref="SendOnce"/>) and the message lists, on both stores (SQLite always,
/// MongoDB when CRM_TEST_MONGO_URL is set). Completions run in a unit of work, as the consumer's do. That a
/// redelivered message changes nothing is the consume pipeline's inbox: see <see cref="MessagingApiTests"/>.
/// </summary>
public sealed class SendOnceTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-22T18:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(45);

    /// <summary>The clock of claims and leases.</summary>
    private readonly FakeTimeProvider _time = new(T0);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Claim_then_complete_round_trips_every_field_and_writes_the_event_to_the_outbox(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        var message = NewMessage(contactId: "c-1", leadId: "l-1");

        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, message.Id), await send.ClaimAsync(Pending(message), "token-1", Lease));

        Assert.Equal(
            Pending(message) with { ClaimToken = "token-1", LeaseUntil = T0 + Lease },
            await store.Store.GetAsync(MessageCollections.Messages, message.Id));
        Assert.Empty(await store.Store.FindAsync(MessageQueries.NewestOfLead("l-1")));

        await CompleteAsync(store, message, "token-1", [Sent(message)]);

        var stored = message with { Version = 2 };
        Assert.Equal(stored, await store.Store.GetAsync(MessageCollections.Messages, message.Id));
        Assert.Equal([stored], await store.Store.FindAsync(MessageQueries.NewestOfLead("l-1")));
        Assert.Equal([message.Id], (await store.PendingEventsAsync<MessageSent>()).Select(e => e.MessageId));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_finished_message_for_the_same_lead_and_template_is_already_handled(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        await RecordAsync(store, NewMessage(leadId: "l-1"));
        var second = NewMessage(leadId: "l-1");

        Assert.Equal(new MessageClaim(ClaimStatus.AlreadyHandled), await send.ClaimAsync(Pending(second), "token-2", Lease));

        Assert.Null(await store.Store.GetAsync(MessageCollections.Messages, second.Id));
        Assert.Single(await store.PendingEventsAsync<MessageSent>());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_claim_is_busy_until_its_lease_ends_then_taken_over_under_the_same_id_and_only_the_new_holder_completes(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        var first = NewMessage(leadId: "l-1");
        Assert.Equal(ClaimStatus.Claimed, (await send.ClaimAsync(Pending(first), "token-1", Lease)).Status);

        Assert.Equal(new MessageClaim(ClaimStatus.Busy), await send.ClaimAsync(Pending(NewMessage(leadId: "l-1")), "token-2", Lease));
        _time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        Assert.Equal(new MessageClaim(ClaimStatus.Busy), await send.ClaimAsync(Pending(NewMessage(leadId: "l-1")), "token-2", Lease));

        // The lease ends at LeaseUntil.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, first.Id), await send.ClaimAsync(Pending(NewMessage(leadId: "l-1")), "token-2", Lease));
        var taken = await store.Store.GetAsync(MessageCollections.Messages, first.Id);
        Assert.Equal(("token-2", _time.GetUtcNow() + Lease, 2L), (taken!.ClaimToken, taken.LeaseUntil, taken.Version));

        // The first delivery lost its claim: its completion fails and writes nothing.
        await Assert.ThrowsAsync<ConcurrencyException>(() => CompleteAsync(store, first, "token-1", [Sent(first)]));
        Assert.Empty(await store.PendingEventsAsync<MessageSent>());
        Assert.Equal("sending", (await store.Store.GetAsync(MessageCollections.Messages, first.Id))!.Status);

        await CompleteAsync(store, first, "token-2", [Sent(first)]);
        Assert.Single(await store.PendingEventsAsync<MessageSent>());
        Assert.Equal(first with { Version = 3 }, await store.Store.GetAsync(MessageCollections.Messages, first.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_delivery_that_read_an_expired_claim_cannot_take_it_over_once_another_delivery_did(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var message = NewMessage(leadId: "l-1");
        Assert.Equal(ClaimStatus.Claimed, (await new SendOnce(store.Store, _time).ClaimAsync(Pending(message), "token-1", Lease)).Status);
        _time.Advance(Lease + TimeSpan.FromMilliseconds(1));

        // Between this delivery's read (token-1, expired) and its take-over, another delivery takes it over.
        var racing = new InterleavingStore(store.Store)
        {
            AfterNextFind = async () =>
                Assert.Equal(
                    new MessageClaim(ClaimStatus.Claimed, message.Id),
                    await new SendOnce(store.Store, _time).ClaimAsync(Pending(NewMessage(leadId: "l-1")), "token-2", Lease)),
        };

        Assert.Equal(new MessageClaim(ClaimStatus.Busy), await new SendOnce(racing, _time).ClaimAsync(Pending(NewMessage(leadId: "l-1")), "token-3", Lease));

        Assert.Equal("token-2", (await store.Store.GetAsync(MessageCollections.Messages, message.Id))!.ClaimToken);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_delivery_that_found_no_claim_but_lost_the_race_to_store_one_is_busy(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var winner = NewMessage(leadId: "l-1");
        var racing = new InterleavingStore(store.Store)
        {
            AfterNextFind = async () =>
                Assert.Equal(ClaimStatus.Claimed, (await new SendOnce(store.Store, _time).ClaimAsync(Pending(winner), "token-1", Lease)).Status),
        };
        var loser = NewMessage(leadId: "l-1");

        Assert.Equal(new MessageClaim(ClaimStatus.Busy), await new SendOnce(racing, _time).ClaimAsync(Pending(loser), "token-2", Lease));

        Assert.Null(await store.Store.GetAsync(MessageCollections.Messages, loser.Id));
        Assert.Equal("token-1", (await store.Store.GetAsync(MessageCollections.Messages, winner.Id))!.ClaimToken);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Of_concurrent_claims_of_one_lead_exactly_one_wins(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);

        var claims = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => send.ClaimAsync(Pending(NewMessage(leadId: "l-1")), $"token-{i}", Lease)));

        Assert.Single(claims, c => c.Status == ClaimStatus.Claimed);
        Assert.All(claims.Where(c => c.Status != ClaimStatus.Claimed), c => Assert.Equal(ClaimStatus.Busy, c.Status));
        Assert.Single(await store.Store.FindAsync(MessageQueries.OfLeadAndTemplate("l-1", "welcome")));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_completion_with_a_token_that_never_held_the_claim_writes_nothing(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        var message = NewMessage(leadId: "l-1");
        await send.ClaimAsync(Pending(message), "token-1", Lease);

        await Assert.ThrowsAsync<ConcurrencyException>(() => CompleteAsync(store, message, "token-x", [Sent(message)]));

        var stored = await store.Store.GetAsync(MessageCollections.Messages, message.Id);
        Assert.Equal(("sending", "token-1"), (stored!.Status, stored.ClaimToken));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_released_claim_can_be_claimed_again_at_once_and_only_its_holder_releases_it(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        var message = NewMessage(leadId: "l-1");
        await send.ClaimAsync(Pending(message), "token-1", Lease);

        await send.ReleaseAsync(message.Id, "token-other");
        Assert.NotNull(await store.Store.GetAsync(MessageCollections.Messages, message.Id));
        await send.ReleaseAsync(message.Id, "token-1");
        Assert.Null(await store.Store.GetAsync(MessageCollections.Messages, message.Id));

        var retry = NewMessage(leadId: "l-1");
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, retry.Id), await send.ClaimAsync(Pending(retry), "token-2", Lease));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Release_never_deletes_a_finished_message(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var message = NewMessage(leadId: "l-1");
        await RecordAsync(store, message, token: "token-1");

        await new SendOnce(store.Store, _time).ReleaseAsync(message.Id, "token-1");

        Assert.Equal(message with { Version = 2 }, await store.Store.GetAsync(MessageCollections.Messages, message.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Another_template_for_the_same_lead_and_messages_without_a_lead_never_collide(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);

        await RecordAsync(store, NewMessage(leadId: "l-1", template: "welcome"));
        await RecordAsync(store, NewMessage(leadId: "l-1", template: "follow-up"));
        await RecordAsync(store, NewMessage(leadId: null));
        await RecordAsync(store, NewMessage(leadId: null));

        Assert.Equal(4, (await store.Store.FindAsync(MessageQueries.NewestOfAll())).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Messages_without_a_dedupe_key_never_collide_even_of_one_lead_and_template_and_a_key_is_claimed_once(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);

        await RecordAsync(store, NewMessage(leadId: "l-1", template: "follow-up"));
        await RecordAsync(store, NewMessage(leadId: "l-1", template: "follow-up"));
        var call = NewMessage(leadId: "l-1", template: "call") with { DedupeKey = MessageKeys.Call("CA-1") };
        await RecordAsync(store, call);

        Assert.Equal(2, (await store.Store.FindAsync(MessageQueries.OfLeadAndTemplate("l-1", "follow-up"))).Count);
        Assert.Equal(new MessageClaim(ClaimStatus.AlreadyHandled), await send.ClaimAsync(Pending(NewMessage(leadId: "l-1", template: "call") with { DedupeKey = MessageKeys.Call("CA-1") }), "token-2", Lease));
        Assert.Equal([call.Id], (await store.Store.FindAsync(MessageQueries.OfDedupeKey(MessageKeys.Call("CA-1")))).Select(m => m.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_welcome_stored_before_dedupe_keys_existed_still_counts_as_the_leads_welcome(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var send = new SendOnce(store.Store, _time);
        await RecordAsync(store, NewMessage(leadId: "l-legacy") with { DedupeKey = null });

        Assert.Equal(new MessageClaim(ClaimStatus.AlreadyHandled), await send.ClaimAsync(Pending(NewMessage(leadId: "l-legacy")), "token-2", Lease));
        Assert.Equal(ClaimStatus.Claimed, (await send.ClaimAsync(Pending(NewMessage(leadId: "l-new")), "token-3", Lease)).Status);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_skipped_message_publishes_nothing(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var skipped = NewMessage(leadId: "l-1") with { To = "", Status = "skipped" };

        await RecordAsync(store, skipped, events: []);

        Assert.Equal(skipped with { Version = 2 }, await store.Store.GetAsync(MessageCollections.Messages, skipped.Id));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Lists_filter_by_contact_and_lead_newest_first(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var a1 = NewMessage("c-a", "l-1", sentAt: T0);
        var a2 = NewMessage("c-a", "l-2", sentAt: T0.AddMinutes(2));
        var a3 = NewMessage("c-a", "l-3", sentAt: T0.AddMinutes(1));
        var b1 = NewMessage("c-b", "l-4", sentAt: T0.AddMinutes(3));
        foreach (var m in new[] { a1, a2, a3, b1 })
        {
            await RecordAsync(store, m);
        }

        Assert.Equal([a2.Id, a3.Id, a1.Id], await IdsAsync(store, MessageQueries.NewestOfContact("c-a")));
        Assert.Equal([b1.Id], await IdsAsync(store, MessageQueries.NewestOfLead("l-4")));
        Assert.Equal([a3.Id], await IdsAsync(store, MessageQueries.NewestOfContactAndLead("c-a", "l-3")));
        Assert.Empty(await IdsAsync(store, MessageQueries.NewestOfContactAndLead("c-b", "l-1")));
        Assert.Equal([b1.Id, a2.Id, a3.Id, a1.Id], await IdsAsync(store, MessageQueries.NewestOfAll()));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Lists_page_with_a_cursor_without_gaps_or_repeats_also_when_times_tie(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var expected = new List<Message>();
        for (var i = 0; i < 7; i++)
        {
            // Two messages per instant: the id breaks the tie.
            var message = NewMessage("c-page", $"l-{i}", sentAt: T0.AddSeconds(i / 2));
            await RecordAsync(store, message);
            expected.Add(message);
        }

        var newestFirst = expected.OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id, StringComparer.Ordinal).Select(m => m.Id).ToList();
        Assert.Equal(newestFirst, await PageThroughAsync(store, MessageQueries.NewestOfContact("c-page"), limit: 3));
        Assert.Equal(newestFirst, await PageThroughAsync(store, MessageQueries.NewestOfAll(), limit: 2));
        Assert.Equal([newestFirst[0]], await PageThroughAsync(store, MessageQueries.NewestOfLead("l-6"), limit: 1));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Lists_leave_out_messages_still_being_sent(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var done = NewMessage("c-s", "l-1");
        await RecordAsync(store, done);
        await new SendOnce(store.Store, _time).ClaimAsync(Pending(NewMessage("c-s", "l-2")), "token", Lease);

        Assert.Equal([done.Id], await IdsAsync(store, MessageQueries.NewestOfContact("c-s")));
        Assert.Empty(await IdsAsync(store, MessageQueries.NewestOfLead("l-2")));
        Assert.Equal([done.Id], await IdsAsync(store, MessageQueries.NewestOfAll()));
    }

    private static Task<TestStore> CreateStoreAsync(Backend backend) => TestStore.CreateAsync(backend, "messaging", MessageCollections.Messages);

    /// <summary>Claims and completes <paramref name="message"/> as a delivery does.</summary>
    private async Task RecordAsync(TestStore store, Message message, string token = "token", IReadOnlyList<object>? events = null)
    {
        Assert.Equal(new MessageClaim(ClaimStatus.Claimed, message.Id), await new SendOnce(store.Store, _time).ClaimAsync(Pending(message), token, Lease));
        await CompleteAsync(store, message, token, events ?? [Sent(message)]);
    }

    private async Task CompleteAsync(TestStore store, Message message, string token, IReadOnlyList<object> events)
    {
        var unit = store.NewUnit(_time);
        SendOnce.Complete(unit, message, token, events);
        await unit.CommitAsync();
    }

    private static async Task<List<string>> IdsAsync(TestStore store, Query<Message> query) =>
        (await store.Store.FindAsync(query)).Select(m => m.Id).ToList();

    /// <summary>Every page of <paramref name="list"/>, following the cursors as a client does.</summary>
    private static async Task<List<string>> PageThroughAsync(TestStore store, Query<Message> list, int limit)
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            Assert.True(list.TryStartAfter(cursor, out var query));
            var page = await store.Store.PageAsync(query, limit);
            Assert.True(page.Items.Count <= limit);
            seen.AddRange(page.Items.Select(m => m.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return seen;
    }

    private static Message Pending(Message message) => message with { To = "", Subject = "", Status = "sending" };

    private static Message NewMessage(string contactId = "c-1", string? leadId = "l-1", string template = "welcome", DateTimeOffset? sentAt = null) => new()
    {
        Id = Ids.New(),
        ContactId = contactId,
        LeadId = leadId,
        DedupeKey = leadId is not null && template == "welcome" ? MessageKeys.Welcome(leadId) : null,
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

/// <summary>A store that lets another delivery act between a claim's read and its write (a race, made deterministic).</summary>
internal sealed class InterleavingStore(IDocumentStore inner) : DelegatingStore(inner)
{
    /// <summary>Runs once, right after the next find returned its (by then stale) result.</summary>
    public Func<Task>? AfterNextFind { get; set; }

    public override async Task<IReadOnlyList<T>> FindAsync<T>(Query<T> query, CancellationToken cancellationToken = default)
    {
        var found = await Inner.FindAsync(query, cancellationToken);
        if (AfterNextFind is { } interleave)
        {
            AfterNextFind = null;
            await interleave();
        }

        return found;
    }
}
