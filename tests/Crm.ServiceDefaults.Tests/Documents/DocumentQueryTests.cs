using System.Buffers.Text;
using System.Text;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Sorting, limits, keyset paging and counting on both backends: a page never repeats or skips a document, for
/// ascending, descending and mixed sorts; a cursor round trips and a forged one is refused.
/// </summary>
public sealed class DocumentQueryTests
{
    private static readonly string[] Names = ["bravo", "Alpha", "charlie", "alpha"];

    /// <summary>24 documents with many equal sort values, so the id decides ties.</summary>
    private static readonly Sample[] Seed = Enumerable.Range(0, 24)
        .Select(i => Minimal($"p-{i:00}", Names[i % 4]) with
        {
            Count = i % 3,
            Tier = (Tier)(i % 3),
            At = T0.AddMinutes(i % 5),
            Active = i % 2 == 0,
        })
        .ToArray();

    public static TheoryData<Backend> Backends => TestStore.Backends;

    private static Query<Sample> Ascending => Samples.All().OrderBy(x => x.Name).ThenBy(x => x.Count);

    private static Query<Sample> Descending => Samples.All().OrderByDescending(x => x.Count).ThenByDescending(x => x.Id);

    private static Query<Sample> Mixed => Samples.All().OrderBy(x => x.Tier).ThenByDescending(x => x.At);

    private static IEnumerable<Sample> AscendingOrder(IEnumerable<Sample> s) =>
        s.OrderBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.Count).ThenBy(x => x.Id, StringComparer.Ordinal);

    private static IEnumerable<Sample> DescendingOrder(IEnumerable<Sample> s) =>
        s.OrderByDescending(x => x.Count).ThenByDescending(x => x.Id, StringComparer.Ordinal);

    private static IEnumerable<Sample> MixedOrder(IEnumerable<Sample> s) =>
        s.OrderBy(x => Stored(x.Tier), StringComparer.Ordinal).ThenByDescending(x => x.At).ThenBy(x => x.Id, StringComparer.Ordinal);

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Sorts_ascending_descending_and_mixed_with_a_limit(Backend backend)
    {
        await using var store = await SeededAsync(backend);

        Assert.Equal(Ids(AscendingOrder(Seed)), Ids(await store.Store.FindAsync(Ascending)));
        Assert.Equal(Ids(AscendingOrder(Seed).Take(7)), Ids(await store.Store.FindAsync(Ascending.Take(7))));
        Assert.Equal(Ids(DescendingOrder(Seed).Take(5)), Ids(await store.Store.FindAsync(Descending.Take(5))));
        Assert.Equal(Ids(MixedOrder(Seed).Take(9)), Ids(await store.Store.FindAsync(Mixed.Take(9))));
        Assert.Equal(
            Ids(MixedOrder(Seed.Where(s => s.Active)).Take(4)),
            Ids(await store.Store.FindAsync(Mixed.Where(Filter<Sample>.Eq(x => x.Active, true)).Take(4))));
        // Without a sort, the id orders.
        Assert.Equal(Ids(Seed.Take(3)), Ids(await store.Store.FindAsync(Samples.All().Take(3))));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Keyset_paging_returns_every_document_once_in_order_for_an_ascending_sort(Backend backend)
    {
        await using var store = await SeededAsync(backend);

        var pages = await PageThroughAsync(store, Ascending, 5);

        Assert.Equal(Ids(AscendingOrder(Seed)), pages.SelectMany(p => p).ToList());
        Assert.Equal(5, pages.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Keyset_paging_returns_every_document_once_in_order_for_a_descending_sort(Backend backend)
    {
        await using var store = await SeededAsync(backend);

        // 24 documents, pages of 6: the fourth page is the last, with no empty page after it.
        var pages = await PageThroughAsync(store, Descending, 6);

        Assert.Equal(Ids(DescendingOrder(Seed)), pages.SelectMany(p => p).ToList());
        Assert.Equal(4, pages.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Keyset_paging_returns_every_document_once_in_order_for_a_mixed_sort(Backend backend)
    {
        await using var store = await SeededAsync(backend);

        var all = await PageThroughAsync(store, Mixed, 4);
        var active = await PageThroughAsync(store, Mixed.Where(Filter<Sample>.Eq(x => x.Active, true)), 5);

        Assert.Equal(Ids(MixedOrder(Seed)), all.SelectMany(p => p).ToList());
        Assert.Equal(Ids(MixedOrder(Seed.Where(s => s.Active))), active.SelectMany(p => p).ToList());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_cursor_round_trips_to_the_position_it_names(Backend backend)
    {
        await using var store = await SeededAsync(backend);
        var order = MixedOrder(Seed).ToList();
        var last = order[6];

        var cursor = Mixed.CursorAfter(last);
        Assert.True(Mixed.TryStartAfter(cursor, out var resumed));

        Assert.Equal(Mixed.StartAfter(last).After!.Select(v => v.GetRawText()), resumed.After!.Select(v => v.GetRawText()));
        Assert.Equal(Ids(order.Skip(7).Take(3)), Ids(await store.Store.FindAsync(resumed.Take(3))));
        Assert.True(Mixed.TryStartAfter(null, out var fromStart));
        Assert.Null(fromStart.After);
        Assert.True(Mixed.TryStartAfter(string.Empty, out fromStart));
        Assert.Null(fromStart.After);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"gold\"")]
    [InlineData("[\"gold\"]")] // one value for three sort keys
    [InlineData("[\"gold\",\"2026-11-22T12:00:00.123Z\",\"p-01\",\"p-02\"]")] // four
    [InlineData("[\"platinum\",\"2026-11-22T12:00:00.123Z\",\"p-01\"]")] // no such tier
    [InlineData("[\"gold\",\"yesterday\",\"p-01\"]")] // not a time
    [InlineData("[\"gold\",1764000000,\"p-01\"]")] // a number for a time
    [InlineData("[\"gold\",\"2026-11-22T12:00:00.123Z\",null]")]
    [InlineData("[\"gold\",\"2026-11-22T12:00:00.123Z\",{}]")]
    [InlineData("[\"gold\",\"2026-11-22T12:00:00.123Z\",\"p-01\"")] // truncated JSON
    public void A_forged_cursor_is_refused(string json)
    {
        Assert.False(Mixed.TryStartAfter(Encode(json), out var query));
        Assert.Null(query.After);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("%%%")]
    [InlineData("WyJnb2xkIiwi")] // base64url of a cut-off JSON text
    public void A_cursor_that_is_not_base64url_json_is_refused(string cursor)
    {
        Assert.False(Mixed.TryStartAfter(cursor, out var query));
        Assert.Null(query.After);
    }

    [Fact]
    public void A_cursor_of_another_query_shape_or_an_oversized_one_is_refused()
    {
        var ascending = Ascending.CursorAfter(Seed[0]); // [name, count, id]: count is a number where Mixed wants a time

        Assert.True(Ascending.TryStartAfter(ascending, out _));
        Assert.False(Mixed.TryStartAfter(ascending, out _));
        Assert.False(Mixed.TryStartAfter(Encode("[\"gold\",\"2026-11-22T12:00:00.123Z\",\"" + new string('x', 2000) + "\"]"), out _));
        Assert.True(Mixed.TryStartAfter(Encode("[\"gold\",\"2026-11-22T12:00:00.123Z\",\"p-01\"]"), out _));
    }

    [Fact]
    public void A_document_without_a_sort_field_has_no_cursor()
    {
        var query = Samples.All().OrderBy(x => x.Note);

        Assert.Throws<InvalidOperationException>(() => query.CursorAfter(Minimal("s-1")));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Count_counts_what_the_filter_matches_whatever_the_limit(Backend backend)
    {
        await using var store = await SeededAsync(backend);

        Assert.Equal(24, await store.Store.CountAsync(Samples, Filter<Sample>.All));
        Assert.Equal(Seed.Count(s => s.Active && s.Count == 1), await store.Store.CountAsync(Samples, Filter<Sample>.Eq(x => x.Active, true) & Filter<Sample>.Eq(x => x.Count, 1)));
        Assert.Equal(Seed.Count(s => s.Tier == Tier.Gold), await store.Store.CountAsync(Mixed.Where(Filter<Sample>.Eq(x => x.Tier, Tier.Gold)).Take(1)));
        Assert.Equal(0, await store.Store.CountAsync(Samples, Filter<Sample>.Eq(x => x.Name, "nobody")));
    }

    private static async Task<TestStore> SeededAsync(Backend backend)
    {
        var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await store.Store.CommitAsync(Seed.Select(s => Write.Insert(Samples, s)).ToList());
        return store;
    }

    /// <summary>Follows next cursors (as a client would, through <see cref="Query{T}.TryStartAfter"/>) to the last page.</summary>
    private static async Task<List<List<string>>> PageThroughAsync(TestStore store, Query<Sample> query, int size)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            Assert.True(query.TryStartAfter(cursor, out var next));
            var page = await store.Store.PageAsync(next, size);
            Assert.InRange(page.Items.Count, 1, size);
            pages.Add(Ids(page.Items));
            cursor = page.NextCursor;
            Assert.True(pages.Count <= Seed.Length, "paging does not end");
        }
        while (cursor is not null);

        return pages;
    }

    private static List<string> Ids(IEnumerable<Sample> samples) => samples.Select(s => s.Id).ToList();

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
