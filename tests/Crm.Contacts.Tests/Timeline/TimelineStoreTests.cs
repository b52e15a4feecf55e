using Crm.Contacts.Timeline;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.Testing;
using MongoDB.Bson;
using Xunit;

namespace Crm.Contacts.Tests.Timeline;

/// <summary>
/// The timeline as both stores keep it (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set), written the way the
/// timeline consumers write it (<c>InsertIfAbsent</c> in a unit of work) and read through <see cref="TimelineQueries"/>.
/// </summary>
public sealed class TimelineStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Every_field_round_trips_with_and_without_a_lead(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var withLead = Entry("c1", Start, "lead-captured", "Lead captured from x via web");
        var withoutLead = Entry("c1", Start.AddMinutes(1), "message-sent", "E-mail 'welcome' sent to a@b.cd") with { LeadId = null, RecordedAt = Start.AddMinutes(2) };

        await AddAsync(store, withLead, withoutLead);

        Assert.Equal(withLead, await store.Store.GetAsync(TimelineCollections.Timeline, withLead.Id));
        Assert.Equal(withoutLead, await store.Store.GetAsync(TimelineCollections.Timeline, withoutLead.Id));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Timeline_entries_are_read_newest_first_up_to_the_limit(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var oldest = Entry("c1", Start.AddMinutes(1), "lead-captured", "Lead captured from x via web");
        var newest = Entry("c1", Start.AddMinutes(3), "lead-assigned", "Assigned to Anna");
        var middle = Entry("c1", Start.AddMinutes(2), "lead-scored", "Scored 28 (hot)");
        var sameTimeLow = Entry("c1", Start.AddMinutes(2), "message-sent", "tie") with { Id = "00000000-0000-0000-0000-000000000001" };
        var sameTimeHigh = middle with { Id = "ffffffff-ffff-ffff-ffff-ffffffffffff" };

        await AddAsync(store, oldest, newest, middle, sameTimeLow, sameTimeHigh);

        Assert.Equal([newest, sameTimeHigh, middle, sameTimeLow, oldest], await store.Store.FindAsync(TimelineQueries.NewestFirst("c1", 100)));
        Assert.Equal([newest, sameTimeHigh], await store.Store.FindAsync(TimelineQueries.NewestFirst("c1", 2)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task The_same_event_added_twice_keeps_its_first_entry(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var message = new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = Start, LeadId = "l1", ContactId = "c1", Source = "first", Channel = "web" };
        var first = TimelineEntries.From(message, Start);

        // As two deliveries under different message ids would: the inbox lets both through, the event id does not.
        await AddAsync(store, first);
        await AddAsync(store, TimelineEntries.From(message with { Source = "second" }, Start.AddMinutes(1)));

        Assert.Equal([first], await store.Store.FindAsync(TimelineQueries.NewestFirst("c1", 100)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Entries_for_a_contact_not_known_yet_are_kept_and_separate_per_contact(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var early = Entry("not-yet-known", Start, "lead-captured", "early");
        var other = Entry("someone-else", Start, "lead-captured", "other");

        await AddAsync(store, early, other);

        Assert.Equal([early], await store.Store.FindAsync(TimelineQueries.NewestFirst("not-yet-known", 100)));
        Assert.Equal([other], await store.Store.FindAsync(TimelineQueries.NewestFirst("someone-else", 100)));
        Assert.Empty(await store.Store.FindAsync(TimelineQueries.NewestFirst("nobody", 100)));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [Fact]
    public void An_entry_keeps_every_field_and_its_types_in_BSON()
    {
        var entry = Entry("c1", Start, "lead-scored", "Scored 28 (hot)");

        var bson = BsonDocuments.ToBson(entry);

        Assert.Equal(entry, BsonDocuments.FromBson<TimelineEntry>(bson));
        Assert.Equal((entry.Id, "c1", BsonType.DateTime, BsonType.DateTime), (bson["_id"].AsString, bson["contactId"].AsString, bson["occurredAt"].BsonType, bson["recordedAt"].BsonType));
        Assert.False(BsonDocuments.ToBson(entry with { LeadId = null }).Contains("leadId"));
    }

    private static Task<TestStore> CreateStoreAsync(Backend backend) => TestStore.CreateAsync(backend, "contacts", TimelineCollections.Timeline);

    /// <summary>Each entry in its own unit of work, as each message is consumed.</summary>
    private static async Task AddAsync(TestStore store, params TimelineEntry[] entries)
    {
        foreach (var entry in entries)
        {
            var unit = store.NewUnit();
            unit.InsertIfAbsent(TimelineCollections.Timeline, entry);
            await unit.CommitAsync();
        }
    }

    private static TimelineEntry Entry(string contactId, DateTimeOffset at, string type, string summary) => new()
    {
        Id = Guid.NewGuid().ToString("D"),
        ContactId = contactId,
        Type = type,
        OccurredAt = at,
        Summary = summary,
        LeadId = "lead-" + Guid.NewGuid().ToString("N"),
        RecordedAt = at.AddSeconds(1),
    };
}
