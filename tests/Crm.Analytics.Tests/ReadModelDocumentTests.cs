using Crm.Analytics.Customers;
using Crm.Analytics.Kpis;
using Crm.Analytics.Leads;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// The read models' writes on both stores (SQLite always, MongoDB when CRM_TEST_MONGO_URL is set), through the catalog's
/// queries and a unit of work as the consumers use them: watermarks only move forward, the erasure's set-based update,
/// the money KPIs' read by first order.
/// </summary>
public sealed class ReadModelDocumentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_watermark_moves_only_forward_and_keeps_the_lag_of_its_latest_event(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", WatermarkCollections.Watermarks);
        var clock = new FakeTimeProvider(T0.AddSeconds(3));

        await AdvanceAsync(store, clock, "q1", T0);
        clock.Advance(TimeSpan.FromSeconds(10));
        await AdvanceAsync(store, clock, "q1", T0.AddSeconds(-60));
        await AdvanceAsync(store, clock, "q2", T0.AddSeconds(-5));

        var marks = await store.Store.FindAsync(WatermarkQueries.Of(ReadModel.LeadFacts));
        Assert.Equal(2, marks.Count);
        var q1 = marks.Single(m => m.Queue == "q1");
        Assert.Equal((T0, 3.0), (q1.AppliedUpTo, q1.LagSeconds));
        var watermark = WatermarkRules.Of(ReadModel.LeadFacts, marks);
        Assert.Equal((ReadModel.LeadFacts, T0, 3.0), (watermark.ReadModel, watermark.AppliedUpTo!.Value, watermark.LagSeconds!.Value));
        Assert.Null(WatermarkRules.Of(ReadModel.Customers, []).AppliedUpTo);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task The_erasure_forgets_the_contact_on_every_lead_fact_and_moves_their_versions(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", LeadFactCollections.LeadFacts);
        var unit = store.NewUnit();
        foreach (var (lead, contact) in new[] { ("l1", "c1"), ("l2", "c1"), ("l3", "c2") })
        {
            unit.Insert(LeadFactCollections.LeadFacts, LeadFactRules.Apply(LeadFact.Empty(lead), new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = T0, LeadId = lead, ContactId = contact, Source = "s", Channel = "web" }) with { Version = 1 });
        }

        await unit.CommitAsync();
        Assert.Equal(["l1", "l2"], (await store.Store.FindAsync(LeadFactQueries.OfContact("c1"))).Select(l => l.Id).Order(StringComparer.Ordinal));

        await store.Store.CommitAsync(LeadFactQueries.ForgetContact("c1"));

        Assert.Empty(await store.Store.FindAsync(LeadFactQueries.OfContact("c1")));
        var forgotten = (await store.Store.GetAsync(LeadFactCollections.LeadFacts, "l1"))!;
        Assert.Equal((null, 2L, "web"), (forgotten.ContactId, forgotten.Version, forgotten.Channel));
        Assert.Equal(("c2", 1L), ((await store.Store.GetAsync(LeadFactCollections.LeadFacts, "l3"))!.ContactId, (await store.Store.GetAsync(LeadFactCollections.LeadFacts, "l3"))!.Version));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task The_money_kpis_read_the_customers_with_an_order_before_the_end_of_the_period(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CustomerCollections.Customers);
        var unit = store.NewUnit();
        unit.Insert(CustomerCollections.Customers, CustomerRules.Apply(Customer.Empty("early"), Order("early", T0)) with { Version = 1 });
        unit.Insert(CustomerCollections.Customers, CustomerRules.Apply(Customer.Empty("late"), Order("late", T0.AddDays(30))) with { Version = 1 });
        unit.Insert(CustomerCollections.Customers, CustomerRules.Apply(Customer.Empty("lead-only"), new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = T0, LeadId = "l", ContactId = "lead-only", Source = "s", Channel = "web" }) with { Version = 1 });
        await unit.CommitAsync();

        var customers = await store.Store.FindAsync(CustomerQueries.FirstOrderBefore(T0.AddDays(1)));

        var only = Assert.Single(customers);
        Assert.Equal(("early", "12.50"), (only.Id, only.Orders[0].Amount));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task The_segment_grouping_reads_the_leads_contacts_customers_by_id_and_follows_a_merge_to_the_survivor(Backend backend)
    {
        await using var store = await TestStore.CreateAsync(backend, "analytics", CustomerCollections.Customers);
        var unit = store.NewUnit();
        var survivor = CustomerRules.Apply(CustomerRules.Apply(Customer.Empty("s"), Membership("s", "vip", true)), Membership("s", "dormant", false));
        unit.Insert(CustomerCollections.Customers, survivor with { Version = 1 });
        unit.Insert(CustomerCollections.Customers, Customer.Empty("m") with { MergedInto = "s", MergeId = "merge-1", Version = 1 });
        unit.Insert(CustomerCollections.Customers, CustomerRules.Apply(Customer.Empty("left"), Membership("left", "vip", false)) with { Version = 1 });
        await unit.CommitAsync();

        Assert.Equal(["left", "m"], (await store.Store.FindAsync(CustomerQueries.OfContacts(["m", "left", "unknown"]))).Select(c => c.Id).Order(StringComparer.Ordinal));
        var groups = await SegmentGroups.ReadAsync(store.Store, ["m", "left", "unknown", null, "m"], CancellationToken.None);

        Assert.Equal(["vip"], groups.Of("m"));
        Assert.Equal(["vip"], groups.Of("s"));
        Assert.Equal(["none"], groups.Of("left"));
        Assert.Equal(["none"], groups.Of("unknown"));
        Assert.Equal(["none"], groups.Of(null));
    }

    private static SegmentMembershipChanged Membership(string contact, string segment, bool joined) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = T0, SegmentId = segment, SegmentVersion = 1, ContactId = contact, Joined = joined };

    private static async Task AdvanceAsync(TestStore store, TimeProvider clock, string queue, DateTimeOffset occurredAt)
    {
        var unit = store.NewUnit(clock);
        unit.Advance(ReadModel.LeadFacts, queue, occurredAt);
        await unit.CommitAsync();
    }

    private static OrderPlaced Order(string contact, DateTimeOffset at) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, OrderId = $"o-{contact}", ContactId = contact, Reference = "R", Amount = "12.5", Currency = "EUR", PlacedAt = at };
}
