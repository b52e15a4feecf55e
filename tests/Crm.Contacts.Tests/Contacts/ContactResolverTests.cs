using System.Text.Json;
using Crm.Contacts.Contacts;
using Crm.Contacts.Duplicates;
using Crm.Contacts.Identity;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;
using Crm.ServiceDefaults.Storage.Mongo;
using Crm.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using Xunit;

namespace Crm.Contacts.Tests.Contacts;

/// <summary>
/// Identity resolution against a real store: SQLite always, MongoDB when CRM_TEST_MONGO_URL is set (skipped visibly
/// otherwise). Races are provoked deterministically by a store that lets a competing resolve commit just before the
/// resolver's own commit.
/// </summary>
public sealed class ContactResolverTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Resolving_a_new_person_stores_the_contact_and_its_identities_with_every_field(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);

        var outcome = await Resolver(store).ResolveAsync(Command("Anna Schmidt", "Anna@Example.com", "030 1234567"));

        Assert.True(outcome.Created);
        Assert.False(outcome.Changed);
        var expected = new Contact
        {
            Id = outcome.Contact.Id,
            Name = "Anna Schmidt",
            Emails = ["anna@example.com"],
            Phones = ["+49301234567"],
            CreatedAt = Start,
            UpdatedAt = Start,
            Version = 1,
        };
        AssertSame(expected, outcome.Contact);
        AssertSame(expected, await store.Store.GetAsync(ContactCollections.Contacts, outcome.Contact.Id));
        var identities = await store.Store.GetManyAsync(ContactCollections.Identities, ["email:anna@example.com", "phone:+49301234567"]);
        Assert.Equal(
            [
                new IdentityOwner { Id = "email:anna@example.com", Kind = IdentityKind.Email, Value = "anna@example.com", ContactId = outcome.Contact.Id, CreatedAt = Start, Version = 1 },
                new IdentityOwner { Id = "phone:+49301234567", Kind = IdentityKind.Phone, Value = "+49301234567", ContactId = outcome.Contact.Id, CreatedAt = Start, Version = 1 },
            ],
            identities.OrderBy(i => i.Id, StringComparer.Ordinal));
        var created = Assert.Single(await store.PendingEventsAsync<ContactCreated>());
        Assert.Equal((outcome.Contact.Id, "Anna Schmidt", Start), (created.ContactId, created.Name, created.OccurredAt));
        Assert.Equal(["anna@example.com"], created.Emails);
        Assert.Equal(["+49301234567"], created.Phones);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Each_identity_names_its_contact_and_nothing_else_is_stored(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var outcome = await Resolver(store).ResolveAsync(Command(null, "a@b.cd", "+49 30 1234567"));

        var owners = await store.Store.GetManyAsync(ContactCollections.Identities, ["email:a@b.cd", "phone:+49301234567", "email:other@b.cd", "phone:a@b.cd"]);

        Assert.Equal(["email:a@b.cd", "phone:+49301234567"], owners.Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.All(owners, o => Assert.Equal(outcome.Contact.Id, o.ContactId));
        Assert.Null(await store.Store.GetAsync(ContactCollections.Contacts, "unknown-id"));
        Assert.Equal(1, await store.Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Different_formats_of_one_phone_resolve_to_one_contact_and_one_ContactCreated(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);

        var first = await Resolver(store).ResolveAsync(Command("Anna", null, "+49 30 1234567"));
        var others = new List<ResolveOutcome>();
        foreach (var phone in new[] { "030 1234567", "0049 30 1234567", "+49 (0)30-123 4567" })
        {
            others.Add(await Resolver(store).ResolveAsync(Command("Anna", null, phone)));
        }

        Assert.True(first.Created);
        Assert.All(others, o =>
        {
            Assert.False(o.Created);
            Assert.False(o.Changed);
            Assert.Equal(first.Contact.Id, o.Contact.Id);
            Assert.Equal(1, o.Contact.Version);
        });
        var created = Assert.Single(await store.PendingEventsAsync<ContactCreated>());
        Assert.Equal(first.Contact.Id, created.ContactId);
        Assert.Equal("Anna", created.Name);
        Assert.Equal(["+49301234567"], created.Phones);
        Assert.Single(await store.PendingOutboxAsync());
        Assert.Equal(1, await store.Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_new_email_and_a_name_for_a_known_phone_are_learnt_with_ContactUpdated(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var first = await Resolver(store).ResolveAsync(Command(null, null, "030 1234567"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var second = await Resolver(store).ResolveAsync(Command("Anna", "anna@example.com", "+49301234567"));

        Assert.False(second.Created);
        Assert.True(second.Changed);
        var expected = new Contact
        {
            Id = first.Contact.Id,
            Name = "Anna",
            Emails = ["anna@example.com"],
            Phones = ["+49301234567"],
            CreatedAt = Start,
            UpdatedAt = Start.AddMinutes(5),
            Version = 2,
        };
        AssertSame(expected, second.Contact);
        AssertSame(expected, await store.Store.GetAsync(ContactCollections.Contacts, first.Contact.Id));
        var learnt = await store.Store.GetAsync(ContactCollections.Identities, "email:anna@example.com");
        Assert.NotNull(learnt);
        Assert.Equal((first.Contact.Id, Start.AddMinutes(5)), (learnt.ContactId, learnt.CreatedAt));

        Assert.Single(await store.PendingEventsAsync<ContactCreated>());
        var updated = Assert.Single(await store.PendingEventsAsync<ContactUpdated>());
        Assert.Equal((first.Contact.Id, 2L, "Anna"), (updated.ContactId, updated.Version, updated.Name));
        Assert.Equal(["anna@example.com"], updated.Emails);
        Assert.Equal(["+49301234567"], updated.Phones);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_known_name_stays_and_an_unchanged_contact_writes_nothing(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var first = await Resolver(store).ResolveAsync(Command("Anna", "a@b.cd", null));
        _time.Advance(TimeSpan.FromMinutes(1));

        var again = await Resolver(store).ResolveAsync(Command("Bob", "A@B.CD", null));

        Assert.False(again.Created);
        Assert.False(again.Changed);
        AssertSame(first.Contact, await store.Store.GetAsync(ContactCollections.Contacts, first.Contact.Id));
        Assert.Single(await store.PendingOutboxAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task When_identities_belong_to_two_contacts_the_oldest_is_returned_and_identities_stay_with_their_owners(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var older = await Resolver(store).ResolveAsync(Command("Old", "a@b.cd", null));
        _time.Advance(TimeSpan.FromSeconds(1));
        var newer = await Resolver(store).ResolveAsync(Command("New", null, "030 1234567"));
        _time.Advance(TimeSpan.FromSeconds(1));

        var both = await Resolver(store).ResolveAsync(Command(null, "a@b.cd", "030 1234567"));

        Assert.NotEqual(older.Contact.Id, newer.Contact.Id);
        Assert.Equal(older.Contact.Id, both.Contact.Id);
        Assert.False(both.Created);
        Assert.False(both.Changed);
        Assert.Equal(newer.Contact.Id, (await store.Store.GetAsync(ContactCollections.Identities, "phone:+49301234567"))?.ContactId);
        Assert.Empty((await store.Store.GetAsync(ContactCollections.Contacts, older.Contact.Id))!.Phones);
        Assert.Equal(2, (await store.PendingEventsAsync<ContactCreated>()).Count);
        Assert.Empty(await store.PendingEventsAsync<ContactUpdated>());

        // The conflict is recorded for review (once per pair, counted on each such resolve), never settled.
        _time.Advance(TimeSpan.FromSeconds(1));
        await Resolver(store).ResolveAsync(Command(null, "a@b.cd", "+49 30 1234567"));
        var pair = await store.Store.GetAsync(DuplicateCollections.Candidates, DuplicateCandidate.PairId(older.Contact.Id, newer.Contact.Id));
        Assert.NotNull(pair);
        Assert.Equal(2, pair.ConflictCount);
        Assert.Equal(1, pair.Rank);
        Assert.Equal(DuplicateCandidate.Open, pair.Status);
        Assert.Equal(Start.AddSeconds(3), pair.LastConflictAt);
        Assert.Equal(Start.AddSeconds(2), pair.DetectedAt);
        Assert.Equivalent(new[] { new ConflictMatch("email", older.Contact.Id), new ConflictMatch("phone", newer.Contact.Id) }, pair.ConflictMatches, strict: true);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Concurrent_resolves_of_one_new_person_create_exactly_one_contact(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        string[] formats = ["+49 30 1234567", "030 1234567", "0049 30 1234567", "+49 (0)30-123 4567", "030/1234567", "+49301234567"];
        var together = CommitTogether(formats.Length);

        var outcomes = await Task.WhenAll(formats.Select(f => Task.Run(() => Resolver(store, new RacingStore(store.Store, together)).ResolveAsync(Command("Anna", "anna@example.com", f)))));

        Assert.Single(outcomes.Select(o => o.Contact.Id).Distinct());
        Assert.Single(outcomes, o => o.Created);
        Assert.IsType<ContactCreated>(Assert.Single(await store.PendingEventsAsync<ContactCreated>()));
        Assert.Single(await store.PendingOutboxAsync());
        Assert.Equal(1, await store.Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Concurrent_resolves_that_teach_one_contact_different_emails_keep_every_email(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var known = await Resolver(store).ResolveAsync(Command(null, null, "030 1234567"));

        var together = CommitTogether(2);

        await Task.WhenAll(
            Task.Run(() => Resolver(store, new RacingStore(store.Store, together)).ResolveAsync(Command(null, "first@b.cd", "030 1234567"))),
            Task.Run(() => Resolver(store, new RacingStore(store.Store, together)).ResolveAsync(Command(null, "second@b.cd", "030 1234567"))));

        var stored = await store.Store.GetAsync(ContactCollections.Contacts, known.Contact.Id);
        Assert.Equal(["first@b.cd", "second@b.cd"], stored!.Emails.Order(StringComparer.Ordinal));
        Assert.Equal(3, stored.Version);
        Assert.Equal([2L, 3L], (await store.PendingEventsAsync<ContactUpdated>()).Select(e => e.Version).Order());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_resolve_that_loses_the_race_for_an_identity_runs_again_and_returns_the_winners_contact(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        Contact? winner = null;
        var racing = new RacingStore(store.Store, async _ => winner ??= (await Resolver(store).ResolveAsync(Command("Winner", "anna@example.com", null))).Contact);

        var outcome = await Resolver(store, racing).ResolveAsync(Command("Anna", "anna@example.com", null));

        Assert.Equal(1, racing.Commits);
        Assert.False(outcome.Created);
        Assert.False(outcome.Changed);
        Assert.Equal(winner!.Id, outcome.Contact.Id);
        Assert.Equal("Winner", (await store.Store.GetAsync(ContactCollections.Contacts, winner.Id))?.Name);
        Assert.Equal(1, await store.Store.CountAsync(ContactCollections.Contacts, Filter<Contact>.All));
        Assert.Single(await store.PendingEventsAsync<ContactCreated>());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_resolve_that_loses_the_race_for_the_contacts_version_runs_again_on_the_new_version(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var known = await Resolver(store).ResolveAsync(Command(null, null, "030 1234567"));
        var racing = new RacingStore(store.Store, attempt => attempt == 1
            ? Resolver(store).ResolveAsync(Command(null, "rival@b.cd", "030 1234567"))
            : Task.CompletedTask);

        var outcome = await Resolver(store, racing).ResolveAsync(Command("Anna", "anna@example.com", "030 1234567"));

        Assert.Equal(2, racing.Commits);
        Assert.True(outcome.Changed);
        var stored = await store.Store.GetAsync(ContactCollections.Contacts, known.Contact.Id);
        Assert.Equal(["rival@b.cd", "anna@example.com"], stored!.Emails);
        Assert.Equal(("Anna", 3L), (stored.Name, stored.Version));
        Assert.Equal([2L, 3L], (await store.PendingEventsAsync<ContactUpdated>()).Select(e => e.Version));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_resolve_gives_up_after_three_lost_races_and_writes_nothing(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var known = await Resolver(store).ResolveAsync(Command(null, null, "030 1234567"));
        var racing = new RacingStore(store.Store, attempt => Resolver(store).ResolveAsync(Command(null, $"rival{attempt}@b.cd", "030 1234567")));

        await Assert.ThrowsAsync<ConcurrencyException>(() => Resolver(store, racing).ResolveAsync(Command(null, "anna@example.com", "030 1234567")));

        Assert.Equal(ContactResolver.MaxAttempts, racing.Commits);
        Assert.Null(await store.Store.GetAsync(ContactCollections.Identities, "email:anna@example.com"));
        Assert.DoesNotContain("anna@example.com", (await store.Store.GetAsync(ContactCollections.Contacts, known.Contact.Id))!.Emails);
        Assert.Equal(3, (await store.PendingEventsAsync<ContactUpdated>()).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Other_failures_are_not_retried(Backend backend)
    {
        await using var store = await CreateStoreAsync(backend);
        var broken = new RacingStore(store.Store, _ => throw new InvalidOperationException("broken"));
        var taken = new RacingStore(store.Store, _ => throw new DuplicateKeyException(ContactCollections.Contacts.Name, "the contact id is taken"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Resolver(store, broken).ResolveAsync(Command(null, "a@b.cd", null)));
        await Assert.ThrowsAsync<DuplicateKeyException>(() => Resolver(store, taken).ResolveAsync(Command(null, "a@b.cd", null)));

        Assert.Equal((1, 1), (broken.Commits, taken.Commits));
        Assert.Empty(await store.PendingOutboxAsync());
    }

    [Fact]
    public void Contacts_and_identities_keep_every_field_and_their_types_in_BSON()
    {
        var contact = new Contact { Id = "c1", Name = "Anna", Emails = ["a@b.cd", "x@y.zz"], Phones = ["+49301234567"], CreatedAt = Start, UpdatedAt = Start.AddMilliseconds(123), Version = 7 };
        var owner = IdentityOwner.For(ContactIdentity.Phone("+49301234567"), "c1", Start);

        var contactBson = BsonDocuments.ToBson(contact);
        var ownerBson = BsonDocuments.ToBson(owner);

        AssertSame(contact, BsonDocuments.FromBson<Contact>(contactBson));
        Assert.Equal(owner, BsonDocuments.FromBson<IdentityOwner>(ownerBson));
        Assert.Equal(("c1", BsonType.DateTime, BsonType.Int64, BsonType.Array), (contactBson["_id"].AsString, contactBson["updatedAt"].BsonType, contactBson["version"].BsonType, contactBson["emails"].BsonType));
        Assert.Equal(("phone:+49301234567", "phone", "+49301234567", "c1"), (ownerBson["_id"].AsString, ownerBson["kind"].AsString, ownerBson["value"].AsString, ownerBson["contactId"].AsString));
        Assert.False(BsonDocuments.ToBson(contact with { Name = null }).Contains("name"));
    }

    private static Task<TestStore> CreateStoreAsync(Backend backend) =>
        TestStore.CreateAsync(backend, "contacts", ContactCollections.Contacts, ContactCollections.Identities, DuplicateCollections.Candidates);

    /// <summary>A resolver with its own unit of work (as one gRPC call has), on <paramref name="through"/> or the test store.</summary>
    private ContactResolver Resolver(TestStore store, IDocumentStore? through = null) =>
        new(through is null ? store.NewUnit(_time) : new UnitOfWork(through, _time, store.Signal));

    /// <summary>
    /// Holds the first commit of each of <paramref name="resolvers"/> resolvers until all of them have read and planned,
    /// so they really race: one commits first, the others find their reads stale.
    /// </summary>
    private static Func<int, Task> CommitTogether(int resolvers)
    {
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return attempt =>
        {
            if (attempt > 1)
            {
                return Task.CompletedTask;
            }

            if (Interlocked.Increment(ref arrived) == resolvers)
            {
                all.SetResult();
            }

            return all.Task.WaitAsync(Poll.DefaultTimeout);
        };
    }

    private static ResolveCommand Command(string? name, string? email, string? phone)
    {
        Assert.True(ResolveInput.TryParse(name, email, phone, null, "DE", out var command, out var error), error?.Detail);
        return command;
    }

    /// <summary>Records compare their lists by reference: compare those by content, the rest as a record.</summary>
    private static void AssertSame(Contact expected, Contact? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Emails, actual.Emails);
        Assert.Equal(expected.Phones, actual.Phones);
        Assert.Equal(expected.ExternalIds, actual.ExternalIds);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.CustomFields.Keys.Order(), actual.CustomFields.Keys.Order());
        Assert.All(expected.CustomFields, f => Assert.True(JsonElement.DeepEquals(f.Value, actual.CustomFields[f.Key]), f.Key));
        Assert.Equal(expected, actual with { Emails = expected.Emails, Phones = expected.Phones, ExternalIds = expected.ExternalIds, Tags = expected.Tags, CustomFields = expected.CustomFields });
    }

    /// <summary>
    /// The store with a competitor: before commit number n of the resolver under test, <c>beforeCommit(n)</c> runs
    /// (usually another resolve that commits on the real store), so the resolver's reads are stale at its commit.
    /// </summary>
    private sealed class RacingStore(IDocumentStore inner, Func<int, Task> beforeCommit) : DelegatingStore(inner)
    {
        public int Commits { get; private set; }

        public override async Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<WriteOperation> writes, CancellationToken cancellationToken = default)
        {
            Commits++;
            await beforeCommit(Commits);
            return await Inner.CommitAsync(writes, cancellationToken);
        }
    }
}
