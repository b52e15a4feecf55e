using Crm.Contacts.Contacts;
using Crm.Contacts.Identity;
using Crm.Contacts.Timeline;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage.Outbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Storage;

/// <summary>What every <see cref="IContactStore"/> must do; run against SQLite always and MongoDB when a server is given.</summary>
public abstract class ContactStoreContract
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>A fresh, initialised store on its own database.</summary>
    protected abstract Task<IContactStore> CreateStoreAsync();

    /// <summary>The unsent outbox records of the store created last, oldest first.</summary>
    protected abstract Task<IReadOnlyList<OutboxMessage>> PendingOutboxAsync();

    /// <summary>The pending count as the outbox store reports it.</summary>
    protected abstract Task<long> CountPendingAsync();

    protected static ResolveCommand Command(string? name, string? email, string? phone, string? region = null)
    {
        Assert.True(ResolveInput.TryParse(name, email, phone, region, "DE", out var command, out var error), error?.Detail);
        return command;
    }

    private async Task<IReadOnlyList<object>> PendingEventsAsync() =>
        [.. (await PendingOutboxAsync()).Select(r => OutboxSerializer.Read(r).Message)];

    [SkippableFact]
    public async Task Resolving_a_new_person_creates_a_contact_that_round_trips_every_field()
    {
        var store = await CreateStoreAsync();

        var outcome = await store.ResolveAsync(Command("Anna Schmidt", "Anna@Example.com", "030 1234567"));

        Assert.True(outcome.Created);
        var stored = await store.GetAsync(outcome.Contact.Id);
        Assert.NotNull(stored);
        Assert.Equal(outcome.Contact.Id, stored.Id);
        Assert.Equal("Anna Schmidt", stored.Name);
        Assert.Equal(["anna@example.com"], stored.Emails);
        Assert.Equal(["+49301234567"], stored.Phones);
        Assert.Equal(Start, stored.CreatedAt);
        Assert.Equal(Start, stored.UpdatedAt);
        Assert.Equal(1, stored.Version);
        Assert.Equal(outcome.Contact, stored with { Emails = outcome.Contact.Emails, Phones = outcome.Contact.Phones });
    }

    [SkippableFact]
    public async Task A_contact_is_found_by_each_of_its_identities()
    {
        var store = await CreateStoreAsync();
        var outcome = await store.ResolveAsync(Command(null, "a@b.cd", "+49 30 1234567"));

        Assert.Equal(outcome.Contact.Id, (await store.FindByIdentityAsync(ContactIdentity.Email("a@b.cd")))?.Id);
        Assert.Equal(outcome.Contact.Id, (await store.FindByIdentityAsync(ContactIdentity.Phone("+49301234567")))?.Id);
        Assert.Null(await store.FindByIdentityAsync(ContactIdentity.Email("other@b.cd")));
        Assert.Null(await store.FindByIdentityAsync(ContactIdentity.Phone("a@b.cd")));
        Assert.Null(await store.GetAsync("unknown-id"));
    }

    [SkippableFact]
    public async Task Different_formats_of_one_phone_resolve_to_one_contact_and_one_ContactCreated()
    {
        var store = await CreateStoreAsync();

        var first = await store.ResolveAsync(Command("Anna", null, "+49 30 1234567"));
        var others = new List<ResolveOutcome>();
        foreach (var phone in new[] { "030 1234567", "0049 30 1234567", "+49 (0)30-123 4567" })
        {
            others.Add(await store.ResolveAsync(Command("Anna", null, phone)));
        }

        Assert.True(first.Created);
        Assert.All(others, o =>
        {
            Assert.False(o.Created);
            Assert.False(o.Changed);
            Assert.Equal(first.Contact.Id, o.Contact.Id);
            Assert.Equal(1, o.Contact.Version);
        });
        var created = Assert.IsType<ContactCreated>(Assert.Single(await PendingEventsAsync()));
        Assert.Equal(first.Contact.Id, created.ContactId);
        Assert.Equal("Anna", created.Name);
        Assert.Equal(["+49301234567"], created.Phones);
        Assert.Equal(1, await CountPendingAsync());
    }

    [SkippableFact]
    public async Task A_new_email_for_a_known_phone_is_learnt_and_ContactUpdated_is_written()
    {
        var store = await CreateStoreAsync();
        var first = await store.ResolveAsync(Command(null, null, "030 1234567"));
        Time.Advance(TimeSpan.FromMinutes(5));

        var second = await store.ResolveAsync(Command("Anna", "anna@example.com", "+49301234567"));

        Assert.False(second.Created);
        Assert.True(second.Changed);
        Assert.Equal(first.Contact.Id, second.Contact.Id);
        var stored = await store.GetAsync(first.Contact.Id);
        Assert.NotNull(stored);
        Assert.Equal("Anna", stored.Name);
        Assert.Equal(["anna@example.com"], stored.Emails);
        Assert.Equal(["+49301234567"], stored.Phones);
        Assert.Equal(2, stored.Version);
        Assert.Equal(Start, stored.CreatedAt);
        Assert.Equal(Start.AddMinutes(5), stored.UpdatedAt);
        Assert.Equal(first.Contact.Id, (await store.FindByIdentityAsync(ContactIdentity.Email("anna@example.com")))?.Id);

        var events = await PendingEventsAsync();
        Assert.Equal(2, events.Count);
        Assert.IsType<ContactCreated>(events[0]);
        var updated = Assert.IsType<ContactUpdated>(events[1]);
        Assert.Equal(first.Contact.Id, updated.ContactId);
        Assert.Equal(2, updated.Version);
        Assert.Equal("Anna", updated.Name);
        Assert.Equal(["anna@example.com"], updated.Emails);
        Assert.Equal(["+49301234567"], updated.Phones);
    }

    [SkippableFact]
    public async Task A_known_name_stays_and_an_unchanged_contact_writes_no_event()
    {
        var store = await CreateStoreAsync();
        var first = await store.ResolveAsync(Command("Anna", "a@b.cd", null));

        var again = await store.ResolveAsync(Command("Bob", "A@B.CD", null));

        Assert.False(again.Changed);
        Assert.Equal("Anna", (await store.GetAsync(first.Contact.Id))?.Name);
        Assert.Equal(1, await CountPendingAsync());
    }

    [SkippableFact]
    public async Task When_identities_belong_to_two_contacts_the_oldest_is_returned_and_identities_stay_unique()
    {
        var store = await CreateStoreAsync();
        var older = await store.ResolveAsync(Command("Old", "a@b.cd", null));
        Time.Advance(TimeSpan.FromSeconds(1));
        var newer = await store.ResolveAsync(Command("New", null, "030 1234567"));
        Time.Advance(TimeSpan.FromSeconds(1));

        var both = await store.ResolveAsync(Command(null, "a@b.cd", "030 1234567"));

        Assert.NotEqual(older.Contact.Id, newer.Contact.Id);
        Assert.Equal(older.Contact.Id, both.Contact.Id);
        Assert.False(both.Created);
        Assert.False(both.Changed);
        Assert.Equal(newer.Contact.Id, (await store.FindByIdentityAsync(ContactIdentity.Phone("+49301234567")))?.Id);
        Assert.Empty((await store.GetAsync(older.Contact.Id))!.Phones);
    }

    [SkippableFact]
    public async Task Concurrent_resolves_of_one_new_person_create_exactly_one_contact()
    {
        var store = await CreateStoreAsync();
        var resolver = new ContactResolver(store, NullLogger<ContactResolver>.Instance);
        string[] formats = ["+49 30 1234567", "030 1234567", "0049 30 1234567", "+49 (0)30-123 4567", "030/1234567", "+49301234567"];

        var outcomes = await Task.WhenAll(formats.Select(f => Task.Run(() => resolver.ResolveAsync(Command("Anna", "anna@example.com", f)))));

        Assert.Single(outcomes.Select(o => o.Contact.Id).Distinct());
        Assert.Single(outcomes, o => o.Created);
        Assert.IsType<ContactCreated>(Assert.Single(await PendingEventsAsync()));
    }

    [SkippableFact]
    public async Task Timeline_entries_are_kept_newest_first()
    {
        var store = await CreateStoreAsync();
        var contact = (await store.ResolveAsync(Command(null, "a@b.cd", null))).Contact;
        var oldest = Item(contact.Id, Start.AddMinutes(1), "lead-captured", "Lead captured from x via web");
        var newest = Item(contact.Id, Start.AddMinutes(3), "lead-assigned", "Assigned to Anna");
        var middle = Item(contact.Id, Start.AddMinutes(2), "lead-scored", "Scored 28 (hot)");

        foreach (var item in new[] { oldest, newest, middle })
        {
            Assert.True(await store.AppendTimelineAsync(Inbox(), item));
        }

        var timeline = await store.GetTimelineAsync(contact.Id, 100);
        Assert.Equal([newest, middle, oldest], timeline);
        Assert.Equal([newest, middle], await store.GetTimelineAsync(contact.Id, 2));
    }

    [SkippableFact]
    public async Task A_redelivered_message_is_applied_once()
    {
        var store = await CreateStoreAsync();
        var inbox = Inbox();
        var item = Item("c1", Start, "lead-captured", "Lead captured from x via web");

        Assert.True(await store.AppendTimelineAsync(inbox, item));
        Assert.False(await store.AppendTimelineAsync(inbox, item with { Summary = "changed" }));

        Assert.Equal([item], await store.GetTimelineAsync("c1", 100));
    }

    [SkippableFact]
    public async Task The_same_event_under_another_message_id_keeps_one_entry()
    {
        var store = await CreateStoreAsync();
        var item = Item("c1", Start, "lead-captured", "first");

        Assert.True(await store.AppendTimelineAsync(Inbox(), item));
        Assert.True(await store.AppendTimelineAsync(Inbox(), item with { Summary = "second" }));

        Assert.Equal([item], await store.GetTimelineAsync("c1", 100));
    }

    [SkippableFact]
    public async Task Timeline_entries_for_an_unknown_contact_are_kept_and_separate_per_contact()
    {
        var store = await CreateStoreAsync();
        var early = Item("not-yet-known", Start, "lead-captured", "early");
        var other = Item("someone-else", Start, "lead-captured", "other");

        Assert.True(await store.AppendTimelineAsync(Inbox(), early));
        Assert.True(await store.AppendTimelineAsync(Inbox(), other));

        Assert.Null(await store.GetAsync("not-yet-known"));
        Assert.Equal([early], await store.GetTimelineAsync("not-yet-known", 100));
        Assert.Empty(await store.GetTimelineAsync("nobody", 100));
        Assert.Equal(0, await CountPendingAsync());
    }

    protected static InboxKey Inbox() => new(Guid.NewGuid().ToString("N"), "TestConsumer");

    protected static TimelineItem Item(string contactId, DateTimeOffset at, string type, string summary) => new()
    {
        EventId = Guid.NewGuid().ToString("D"),
        ContactId = contactId,
        Type = type,
        OccurredAt = at,
        Summary = summary,
        LeadId = "lead-" + Guid.NewGuid().ToString("N"),
    };
}
