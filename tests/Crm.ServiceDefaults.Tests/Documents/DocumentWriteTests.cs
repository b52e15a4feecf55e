using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// The document layer's writes, the same on both backends (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set):
/// every field round trips, ids and unique keys stay unique, versions and guards hold, a commit is all or nothing.
/// </summary>
public sealed class DocumentWriteTests
{
    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Every_field_round_trips(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var full = Full("s-1");
        var minimal = Minimal("s-2");

        Assert.Equal([1L, 1L], await store.Store.CommitAsync([Write.Insert(Samples, full), Write.Insert(Samples, minimal)]));

        AssertSame(full, await store.Store.GetAsync(Samples, "s-1"));
        AssertSame(minimal, await store.Store.GetAsync(Samples, "s-2"));
        // Null members are not stored at all: the minimal document lacks them.
        Assert.Equal(["s-2"], await IdsAsync(store, Filter<Sample>.Missing(x => x.Note) & Filter<Sample>.Missing(x => x.Home) & Filter<Sample>.Missing(x => x.Email)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Getting_an_unknown_id_answers_null_and_get_many_leaves_it_out(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-1")));

        Assert.Null(await store.Store.GetAsync(Samples, "s-404"));
        Assert.Equal(["s-1"], (await store.Store.GetManyAsync(Samples, ["s-404", "s-1", "s-1"])).Select(s => s.Id));
        Assert.Empty(await store.Store.GetManyAsync(Samples, []));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Inserting_a_taken_id_fails_with_a_duplicate_key_naming_the_collection(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var first = Minimal("s-1", "first");
        await store.Store.CommitAsync(Write.Insert(Samples, first));

        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-1", "second") with { Code = "another-code" })));

        Assert.Equal("samples", error.Collection);
        Assert.Contains("samples", error.Message, StringComparison.Ordinal);
        AssertSame(first, await store.Store.GetAsync(Samples, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Inserting_a_taken_unique_key_fails_with_a_duplicate_key_naming_the_collection(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-1")));

        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-2") with { Code = "code-s-1" })));

        Assert.Equal("samples", error.Collection);
        Assert.Null(await store.Store.GetAsync(Samples, "s-2"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Insert_if_absent_keeps_the_first_document_but_still_guards_unique_keys(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var first = Full("s-1");

        Assert.Equal([1L], await store.Store.CommitAsync(Write.InsertIfAbsent(Samples, first)));
        Assert.Equal([0L], await store.Store.CommitAsync(Write.InsertIfAbsent(Samples, Minimal("s-1", "second"))));

        AssertSame(first, await store.Store.GetAsync(Samples, "s-1"));
        // Only a taken id is ignored: another document's unique key is still a conflict.
        await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.InsertIfAbsent(Samples, Minimal("s-2") with { Code = first.Code })));
        Assert.Null(await store.Store.GetAsync(Samples, "s-2"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_unique_index_when_present_never_lets_absent_fields_collide_but_present_ones_do(Backend backend)
    {
        await using var store = await CreateAsync(backend);

        // Three documents without an e-mail: no collision.
        await store.Store.CommitAsync([Write.Insert(Samples, Minimal("s-1")), Write.Insert(Samples, Minimal("s-2")), Write.Insert(Samples, Minimal("s-3"))]);
        await store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-4") with { Email = "ana@example.com" }));

        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.Insert(Samples, Minimal("s-5") with { Email = "ana@example.com" })));
        Assert.Equal("samples", error.Collection);

        // An update that would make a present value collide fails the same way.
        await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(
            Write.Update(Samples, Filter<Sample>.Eq(x => x.Id, "s-1"), new Update<Sample>().Set(x => x.Email, "ana@example.com"))));
        Assert.Equal(["s-4"], await IdsAsync(store, Filter<Sample>.Exists(x => x.Email)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_unique_index_present_on_one_key_lets_documents_without_it_share_the_others(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Owned);

        await store.Store.CommitAsync(
        [
            Write.Insert(Owned, Minimal("s-1") with { Owner = "rep-1" }),
            Write.Insert(Owned, Minimal("s-2") with { Owner = "rep-1" }),
            Write.Insert(Owned, Minimal("s-3") with { Owner = "rep-1", Email = "ana@example.com" }),
            Write.Insert(Owned, Minimal("s-4") with { Owner = "rep-2", Email = "ana@example.com" }),
        ]);

        var error = await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.Insert(Owned, Minimal("s-5") with { Owner = "rep-1", Email = "ana@example.com" })));
        Assert.Equal("owned", error.Collection);
        Assert.Equal(4, await store.Store.CountAsync(Owned, Filter<Sample>.All));
    }

    /// <summary>
    /// Without <c>WhenPresent()</c>, MongoDB indexes an absent field as null, so a second document without it
    /// collides; the layer promises MongoDB's semantics on both stores (or must refuse such a declaration).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_plain_unique_index_on_an_optional_field_means_the_same_on_both_stores(Backend backend)
    {
        DocumentCollection<Sample> notes;
        try
        {
            notes = new DocumentCollection<Sample>("unique_notes").Index("note", i => i.Asc(x => x.Note).Unique());
        }
        catch (InvalidOperationException)
        {
            // Refusing the declaration (asking for WhenPresent()) is a consistent answer too.
            return;
        }

        await using var store = await TestStore.CreateAsync(backend, "defaults", notes);
        await store.Store.CommitAsync(Write.Insert(notes, Minimal("s-1")));

        await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(Write.Insert(notes, Minimal("s-2"))));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Replace_writes_over_the_expected_version_only(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var v1 = Full("s-1") with { Version = 1 };
        await store.Store.CommitAsync(Write.Insert(Samples, v1));
        var v2 = v1 with { Version = 2, Name = "Bia", Note = null, Tags = ["changed"] };

        Assert.Equal([1L], await store.Store.CommitAsync(Write.Replace(Samples, v2, expectedVersion: 1)));
        AssertSame(v2, await store.Store.GetAsync(Samples, "s-1"));

        // A writer that read version 1 is too late now.
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.Store.CommitAsync(Write.Replace(Samples, v1 with { Version = 2, Name = "stale" }, expectedVersion: 1)));
        AssertSame(v2, await store.Store.GetAsync(Samples, "s-1"));

        // Nothing to replace is a conflict too (the document was deleted meanwhile).
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.Store.CommitAsync(Write.Replace(Samples, Minimal("s-404") with { Version = 2 }, expectedVersion: 1)));
        Assert.Null(await store.Store.GetAsync(Samples, "s-404"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Put_inserts_or_overwrites_whatever_is_stored(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var stored = Full("s-1") with { Version = 7 };

        Assert.Equal([1L], await store.Store.CommitAsync(Write.Put(Samples, stored)));
        AssertSame(stored, await store.Store.GetAsync(Samples, "s-1"));

        var over = Minimal("s-1", "overwritten");
        Assert.Equal([1L], await store.Store.CommitAsync(Write.Put(Samples, over)));
        AssertSame(over, await store.Store.GetAsync(Samples, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Delete_removes_what_the_filter_matches_and_expect_one_guards_it(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(
        [
            Write.Insert(Samples, Minimal("s-1") with { Active = true }),
            Write.Insert(Samples, Minimal("s-2") with { Active = true }),
            Write.Insert(Samples, Minimal("s-3")),
        ]);

        Assert.Equal([2L], await store.Store.CommitAsync(Write.Delete(Samples, Filter<Sample>.Eq(x => x.Active, true))));
        Assert.Equal(["s-3"], await IdsAsync(store, Filter<Sample>.All));

        Assert.Equal([0L], await store.Store.CommitAsync(Write.Delete(Samples, Filter<Sample>.Eq(x => x.Id, "s-1"))));
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.Store.CommitAsync(Write.Delete(Samples, Filter<Sample>.Eq(x => x.Id, "s-1"), expectOne: true)));
        Assert.Equal([1L], await store.Store.CommitAsync(Write.Delete(Samples, Filter<Sample>.Eq(x => x.Id, "s-3"), expectOne: true)));
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.All));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Update_sets_increments_and_unsets_fields_in_place(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var before = Full("s-1");
        await store.Store.CommitAsync(Write.Insert(Samples, before));
        var attributes = new Dictionary<string, string> { ["a.b"] = "dotted", ["$set"] = "dollar" };

        var counts = await store.Store.CommitAsync(Write.Update(
            Samples,
            Filter<Sample>.Eq(x => x.Id, "s-1"),
            new Update<Sample>()
                .Set(x => x.Name, "Bia")
                .Set(x => x.At, T0.AddHours(1))
                .Set(x => x.Tier, Tier.Gold)
                .Set(x => x.Tags, ["changed"])
                .Set(x => x.Home!.City, "Porto")
                .Set(x => x.Attributes, attributes)
                .Set(x => x.Amount, 0.01m)
                .Set(x => x.Active, false)
                .Inc(x => x.Count, 3)
                .Inc(x => x.Big, -2L)
                .Inc(x => x.Version, 1L)
                .Unset(x => x.Note)
                .Set(x => x.Email, null)));

        Assert.Equal([1L], counts);
        AssertSame(
            before with
            {
                Name = "Bia",
                At = T0.AddHours(1),
                Tier = Tier.Gold,
                Tags = ["changed"],
                Home = before.Home! with { City = "Porto" },
                Attributes = attributes,
                Amount = 0.01m,
                Active = false,
                Count = 45,
                Big = before.Big - 2,
                Version = before.Version + 1,
                Note = null,
                Email = null,
            },
            await store.Store.GetAsync(Samples, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Update_applies_to_every_match_and_its_guard_fails_when_nothing_matches(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        await store.Store.CommitAsync(
        [
            Write.Insert(Samples, Minimal("s-1") with { Count = 1 }),
            Write.Insert(Samples, Minimal("s-2") with { Count = 1 }),
            Write.Insert(Samples, Minimal("s-3") with { Count = 9, Active = true }),
        ]);

        Assert.Equal([2L], await store.Store.CommitAsync(Write.Update(Samples, Filter<Sample>.Eq(x => x.Active, false), new Update<Sample>().Inc(x => x.Count, 10))));
        Assert.Equal([11, 11, 9], (await store.Store.FindAsync(Samples.All().OrderBy(x => x.Id))).Select(s => s.Count));

        // A guard (expectOne, the default) that matches nothing: a concurrent change, nothing written.
        var guarded = Filter<Sample>.Eq(x => x.Id, "s-3") & Filter<Sample>.Eq(x => x.Version, 2L);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.Store.CommitAsync(Write.Update(Samples, guarded, new Update<Sample>().Inc(x => x.Count, 1))));
        Assert.Equal([0L], await store.Store.CommitAsync(Write.Update(Samples, guarded, new Update<Sample>().Inc(x => x.Count, 1), expectOne: false)));
        Assert.Equal(9, (await store.Store.GetAsync(Samples, "s-3"))!.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Upsert_inserts_the_seed_with_the_update_applied(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var seed = Minimal("s-1") with { Count = 0, Version = 0, Home = new Address("Lisboa", "1000-001"), Tags = ["seed"] };

        Assert.Equal([1L], await store.Store.CommitAsync(Write.Upsert(
            Samples,
            seed,
            new Update<Sample>().Inc(x => x.Count, 5).Inc(x => x.Version, 1L).Set(x => x.Home!.City, "Porto").Set(x => x.Name, "upserted"))));

        AssertSame(
            seed with { Count = 5, Version = 1, Home = new Address("Porto", "1000-001"), Name = "upserted" },
            await store.Store.GetAsync(Samples, "s-1"));
    }

    /// <summary>An increment applies on insert too, from the seed's 0: MongoDB cannot start it from another value in one atomic upsert, so both stores refuse such a seed.</summary>
    [Fact]
    public void An_upsert_that_increments_a_field_its_seed_sets_is_refused()
    {
        var seed = Minimal("s-1") with { Count = 10 };

        var refused = Assert.Throws<ArgumentException>(() => Write.Upsert(Samples, seed, new Update<Sample>().Inc(x => x.Count, 5)));

        Assert.Contains("count", refused.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Upsert_of_a_stored_document_applies_only_the_update(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var stored = Full("s-1");
        await store.Store.CommitAsync(Write.Insert(Samples, stored));
        var seed = Minimal("s-1", "seed name") with { Count = 0, Note = "from the seed" };

        Assert.Equal([1L], await store.Store.CommitAsync(Write.Upsert(Samples, seed, new Update<Sample>().Inc(x => x.Count, 1).Unset(x => x.Email))));

        AssertSame(stored with { Count = stored.Count + 1, Email = null }, await store.Store.GetAsync(Samples, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_commit_that_meets_a_duplicate_in_the_middle_writes_nothing(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var existing = Minimal("s-1");
        await store.Store.CommitAsync(Write.Insert(Samples, existing));

        await Assert.ThrowsAsync<DuplicateKeyException>(() => store.Store.CommitAsync(
        [
            Write.Insert(Samples, Minimal("s-2")),
            Write.Put(Samples, existing with { Name = "put before the failure" }),
            Write.Upsert(Samples, Minimal("s-3"), new Update<Sample>().Inc(x => x.Count, 1)),
            Write.Update(Samples, Filter<Sample>.Eq(x => x.Id, "s-1"), new Update<Sample>().Set(x => x.Note, "updated before the failure")),
            Write.Insert(Samples, Minimal("s-4") with { Code = existing.Code }),
            Write.Insert(Samples, Minimal("s-5")),
        ]));

        Assert.Equal(["s-1"], await IdsAsync(store, Filter<Sample>.All));
        AssertSame(existing, await store.Store.GetAsync(Samples, "s-1"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_commit_whose_guard_fails_in_the_middle_writes_nothing(Backend backend)
    {
        await using var store = await CreateAsync(backend);
        var existing = Minimal("s-1");
        await store.Store.CommitAsync(Write.Insert(Samples, existing));

        await Assert.ThrowsAsync<ConcurrencyException>(() => store.Store.CommitAsync(
        [
            Write.Insert(Samples, Minimal("s-2")),
            Write.Delete(Samples, Filter<Sample>.Eq(x => x.Id, "s-1")),
            Write.Replace(Samples, existing with { Version = 2 }, expectedVersion: 1),
            Write.Insert(Samples, Minimal("s-3")),
        ]));

        Assert.Equal(["s-1"], await IdsAsync(store, Filter<Sample>.All));
        AssertSame(existing, await store.Store.GetAsync(Samples, "s-1"));
    }

    private static Task<TestStore> CreateAsync(Backend backend) => TestStore.CreateAsync(backend, "defaults", Samples);

    private static async Task<List<string>> IdsAsync(TestStore store, Filter<Sample> filter) =>
        (await store.Store.FindAsync(Samples.Find(filter).OrderBy(x => x.Id))).Select(s => s.Id).ToList();
}
