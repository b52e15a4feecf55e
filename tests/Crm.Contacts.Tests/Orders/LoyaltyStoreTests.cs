using Crm.Contacts.Orders;
using Crm.Contacts.Segments;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Orders;

/// <summary>
/// Summaries and orders as both stores keep them (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set), and recency
/// ageing on a fake clock: the timer set to when the score drops, the handler scoring again and setting the next one.
/// </summary>
public sealed class LoyaltyStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    private static Order NewOrder(string contactId, string reference, long cents, DateTimeOffset placedAt) => new()
    {
        Id = Ids.New(),
        ContactId = contactId,
        Reference = reference,
        AmountCents = cents,
        Currency = "EUR",
        Channel = "pos",
        PlacedAt = placedAt,
        Items = [new OrderLine("SKU-1", "Shoes", 1, cents)],
        RecordedAt = placedAt,
    };

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Recency_ageing_scores_again_when_each_threshold_passes_and_moves_the_tier(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "contacts", OrderCollections.All);
        var time = new FakeTimeProvider(Start);

        // Eight orders worth 6,000 EUR, the last one now: 5 + 4 + 5 = gold.
        var unit = store.NewUnit(time);
        var summary = CustomerSummary.Empty("c1");
        for (var i = 0; i < 8; i++)
        {
            var order = NewOrder("c1", $"R-{i}", 75_000, Start.AddDays(i - 7));
            unit.Insert(OrderCollections.Orders, order);
            summary = summary.With(order);
        }

        Loyalty.Save(unit, null, summary, LoyaltyRules.Default);
        await unit.CommitAsync();
        var stored = await store.Store.GetAsync(OrderCollections.Summaries, "c1");
        Assert.Equivalent(new LoyaltyScore(5, 4, 5, "gold", Start.AddDays(30)), stored!.Loyalty, strict: true);
        Assert.Equal(Start.AddDays(30).AddMilliseconds(1), (await TimerAsync(store)).DueAt);
        Assert.Equal("gold", Assert.Single(await store.PendingEventsAsync<LoyaltyTierChanged>()).ToTier);

        // Each drop fires the timer: 30 days (4+4+5 = gold still), 90 (silver), 180, 365 (1: nothing more to schedule).
        var expected = new (int Days, int Recency, string Tier)[] { (30, 4, "gold"), (90, 3, "silver"), (180, 2, "silver"), (365, 1, "silver") };
        foreach (var (days, recency, tier) in expected)
        {
            var timer = await TimerAsync(store);
            time.SetUtcNow(timer.DueAt);
            var fire = store.NewUnit(time);
            fire.Delete(PlatformCollections.Timers, Filter<TimerRecord>.Eq(x => x.Id, timer.Id), expectOne: true);
            await new LoyaltyRecencyTimer().HandleAsync(new DueTimer(timer.Kind, timer.Key, timer.DueAt, timer.Payload, 1), fire, CancellationToken.None);
            await fire.CommitAsync();

            var after = (await store.Store.GetAsync(OrderCollections.Summaries, "c1"))!.Loyalty;
            Assert.Equal((recency, tier), (after.Recency, after.Tier));
            Assert.Equal(days, (timer.DueAt.AddMilliseconds(-1) - Start).TotalDays);
        }

        // No recency timer any more; what is left is the segments' refresh of the contact (each save asks for one, due at once).
        Assert.Equal([SegmentMembership.RefreshKind], (await store.Store.FindAsync(PlatformQueries.DueTimers(Start.AddYears(10)))).Select(t => t.Kind));
        Assert.Equal(["gold", "silver"], (await store.PendingEventsAsync<LoyaltyTierChanged>()).Select(e => e.ToTier));
        Assert.Equal(8, (await store.Store.FindAsync(OrderQueries.OfContact("c1"))).Count);
        Assert.Equal("R-7", (await store.Store.FindAsync(OrderQueries.OfContact("c1").Take(1)))[0].Reference);
        Assert.Equal("R-3", Assert.Single(await store.Store.FindAsync(OrderQueries.ByReference("c1", "R-3"))).Reference);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_second_order_of_one_reference_for_a_contact_is_a_duplicate_but_another_contact_may_use_it(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "contacts", OrderCollections.All);
        var unit = store.NewUnit();
        var first = NewOrder("c1", "R-1", 1_000, Start);
        unit.Insert(OrderCollections.Orders, first);
        unit.Insert(OrderCollections.Orders, NewOrder("c2", "R-1", 1_000, Start));
        await unit.CommitAsync();

        var again = store.NewUnit();
        again.Insert(OrderCollections.Orders, NewOrder("c1", "R-1", 2_000, Start));
        var duplicate = await Assert.ThrowsAsync<DuplicateKeyException>(() => again.CommitAsync());
        Assert.Equal(OrderCollections.Orders.Name, duplicate.Collection);
        Assert.Equivalent(first, await store.Store.GetAsync(OrderCollections.Orders, first.Id), strict: true);
    }

    private static async Task<TimerRecord> TimerAsync(TestStore store) =>
        Assert.Single(await store.Store.FindAsync(PlatformQueries.DueTimers(Start.AddYears(10))), t => t.Kind == Loyalty.TimerKind);
}
