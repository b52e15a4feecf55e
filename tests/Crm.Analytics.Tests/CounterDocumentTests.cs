using Crm.Analytics.Counters;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// Counters on both stores (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set): increments, period reads and
/// concurrency, through the catalog's queries and a unit of work as the consumers use them. That a redelivered
/// event counts once is the consume pipeline's inbox: see <see cref="AnalyticsApiTests"/>.
/// </summary>
public sealed class CounterDocumentTests
{
    private static readonly DateOnly D1 = new(2026, 11, 21);
    private static readonly DateOnly D2 = new(2026, 11, 22);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Increments_create_counters_at_one_then_add_one(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);
        var increment = new CounterIncrement(D1, [new(Metric.LeadsCaptured, ""), new(Metric.LeadsBySource, "ads"), new(Metric.LeadsByChannel, "web")]);

        await CountAsync(store, increment);
        Assert.Equal(
            [
                new DayCounter(D1, Metric.LeadsByChannel, "web", 1),
                new DayCounter(D1, Metric.LeadsBySource, "ads", 1),
                new DayCounter(D1, Metric.LeadsCaptured, "", 1),
            ],
            await ReadAsync(store, D1, D1));

        await CountAsync(store, increment);
        await CountAsync(store, new CounterIncrement(D1, [new(Metric.LeadsBySource, "partner")]));

        Assert.Equal(
            [
                new DayCounter(D1, Metric.LeadsByChannel, "web", 2),
                new DayCounter(D1, Metric.LeadsBySource, "ads", 2),
                new DayCounter(D1, Metric.LeadsBySource, "partner", 1),
                new DayCounter(D1, Metric.LeadsCaptured, "", 2),
            ],
            await ReadAsync(store, D1, D1));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_counter_is_stored_under_its_day_metric_and_key_with_every_field(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);

        await CountAsync(store, new CounterIncrement(D2, [new(Metric.LeadsBySource, "ads")]));

        Assert.Equal(
            new Counter { Id = "2026-11-22|leads-by-source|ads", Day = "2026-11-22", Metric = Metric.LeadsBySource, Key = "ads", Count = 1, Version = 1 },
            await store.Store.GetAsync(CounterCollections.Counters, "2026-11-22|leads-by-source|ads"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_period_read_returns_its_days_both_ends_included_ordered_by_day_metric_and_key(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);
        foreach (var day in new[] { D2, D1.AddDays(-1), D1, D2.AddDays(1) })
        {
            await CountAsync(store, new CounterIncrement(day, [new(Metric.MessagesSent, ""), new(Metric.LeadsAssigned, "")]));
        }

        Assert.Equal(
            [
                new DayCounter(D1, Metric.LeadsAssigned, "", 1),
                new DayCounter(D1, Metric.MessagesSent, "", 1),
                new DayCounter(D2, Metric.LeadsAssigned, "", 1),
                new DayCounter(D2, Metric.MessagesSent, "", 1),
            ],
            await ReadAsync(store, D1, D2));
        Assert.Empty(await ReadAsync(store, D2.AddDays(2), D2.AddDays(30)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Keys_keep_their_case_and_characters(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);

        await CountAsync(store, new CounterIncrement(D1, [new(Metric.LeadsBySource, "Partner A|B"), new(Metric.LeadsBySource, "partner a|b")]));

        Assert.Equal(["Partner A|B", "partner a|b"], (await ReadAsync(store, D1, D1)).Select(c => c.Key).Order(StringComparer.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Concurrent_increments_of_one_counter_lose_nothing(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CountAsync(store, new CounterIncrement(D1, [new(Metric.LeadsAssigned, "")]))));

        Assert.Equal([new DayCounter(D1, Metric.LeadsAssigned, "", 20)], await ReadAsync(store, D1, D1));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_failed_commit_counts_nothing(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CounterCollections.Counters);
        var unit = store.NewUnit();
        foreach (var counter in new CounterKey[] { new(Metric.LeadsCaptured, ""), new(Metric.LeadsBySource, "ads") })
        {
            unit.Add(CounterQueries.Increment(D1, counter));
        }

        // A guard that cannot hold fails the commit: the increments before it are rolled back.
        unit.Update(CounterCollections.Counters, Filter<Counter>.Eq(x => x.Id, "no-such-counter"), new Update<Counter>().Inc(x => x.Count, 1));

        await Assert.ThrowsAsync<ConcurrencyException>(() => unit.CommitAsync());
        Assert.Empty(await ReadAsync(store, D1, D1));
    }

    private static async Task CountAsync(TestStore store, CounterIncrement increment)
    {
        var unit = store.NewUnit();
        unit.Count(increment);
        await unit.CommitAsync();
    }

    private static async Task<IReadOnlyList<DayCounter>> ReadAsync(TestStore store, DateOnly from, DateOnly to) =>
        (await store.Store.FindAsync(CounterQueries.Period(from, to))).Select(c => c.ToDayCounter()).ToList();
}
