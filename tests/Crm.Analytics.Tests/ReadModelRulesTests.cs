using System.Text.Json;
using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.Analytics.MessageFacts;
using Crm.Contracts.Assignment;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>The read models' merge rules (pure): any order and any duplicate of a lead's, a contact's or a message's events give the same document.</summary>
public sealed class ReadModelRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static readonly Func<LeadFact, LeadFact>[] LeadEvents =
    [
        f => LeadFactRules.Apply(f, new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = T0, LeadId = "l1", ContactId = "c1", Source = "fair", Channel = "web", Campaign = "spring", PipelineId = "solar" }),
        f => LeadFactRules.Apply(f, new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = T0.AddMinutes(1), LeadId = "l1", ContactId = "c1", RepId = "r1", RepName = "R1", TeamId = "t1" }),
        f => LeadFactRules.Apply(f, new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = T0.AddHours(2), LeadId = "l1", ContactId = "c1", RepId = "r2", RepName = "R2", TeamId = "t2", PreviousRepId = "r1" }),
        f => LeadFactRules.Apply(f, new LeadActivityLogged { EventId = Guid.NewGuid(), OccurredAt = T0.AddMinutes(3), LeadId = "l1", ContactId = "c1", ActivityId = "a1", Type = "call", At = T0.AddMinutes(3), OwnerId = "r1" }),
        f => LeadFactRules.Apply(f, new LeadActivityLogged { EventId = Guid.NewGuid(), OccurredAt = T0.AddHours(3), LeadId = "l1", ContactId = "c1", ActivityId = "a2", Type = "email", At = T0.AddHours(3), OwnerId = "r2" }),
        f => LeadFactRules.Apply(f, new LeadStageChanged { EventId = Guid.NewGuid(), OccurredAt = T0.AddHours(4), LeadId = "l1", ContactId = "c1", PipelineId = "solar", FromStage = "new", ToStage = "qualified" }),
        f => LeadFactRules.Apply(f, new SlaBreached { EventId = Guid.NewGuid(), OccurredAt = T0.AddMinutes(30), LeadId = "l1", ContactId = "c1", RepId = "r1", Sla = "first-contact", StartedAt = T0, Target = TimeSpan.FromMinutes(30) }),
        f => LeadFactRules.Apply(f, new LeadWon { EventId = Guid.NewGuid(), OccurredAt = T0.AddDays(3), LeadId = "l1", ContactId = "c1", PipelineId = "solar", Stage = "qualified", Amount = "129.90", Currency = "EUR", CapturedAt = T0, Source = "stale", Channel = "stale", OwnerId = "r2" }),
    ];

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_cohort_changes_of_a_leads_writes_in_any_order_add_up_to_its_final_facts_groups(int seed)
    {
        var random = new Random(seed);
        var shuffled = LeadEvents.Concat(LeadEvents.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
        var sums = new Dictionary<string, (int Leads, int Won)>(StringComparer.Ordinal);
        LeadFact? current = null;
        foreach (var apply in shuffled)
        {
            var next = apply(current ?? LeadFact.Empty("l1"));
            foreach (var change in LeadCohortRules.Changes(current, next))
            {
                var key = LeadCohort.IdOf(change.Day, change.Dimension, change.Group);
                var (leads, won) = sums.GetValueOrDefault(key);
                sums[key] = (leads + change.Leads, won + change.Won);
            }

            current = next;
        }

        // Once in each dimension, in its group now (owner r2 of team t2 after the reassignment), on its capture day, won.
        var day = DateOnly.FromDateTime(T0.UtcDateTime);
        string[] expected = [.. new[] { ("all", "all"), ("channel", "web"), ("source", "fair"), ("campaign", "spring"), ("rep", "r2"), ("team", "t2") }
            .Select(g => LeadCohort.IdOf(day, g.Item1, g.Item2)).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, sums.Where(s => s.Value != (0, 0)).Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(sums.Where(s => s.Value != (0, 0)), s => Assert.Equal((1, 1), s.Value));
        Assert.Empty(LeadCohortRules.Changes(current, current!));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_leads_events_in_any_order_and_with_duplicates_give_the_same_facts(int seed)
    {
        var expected = Json(LeadEvents.Aggregate(LeadFact.Empty("l1"), (f, apply) => apply(f)));
        var random = new Random(seed);
        var shuffled = LeadEvents.Concat(LeadEvents.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();

        Assert.Equal(expected, Json(shuffled.Aggregate(LeadFact.Empty("l1"), (f, apply) => apply(f))));
    }

    [Fact]
    public void The_facts_are_those_of_the_events_whatever_came_first()
    {
        // Won first, captured last: the capture's attributes win over the copies the win carried.
        var fact = LeadEvents.Reverse().Aggregate(LeadFact.Empty("l1"), (f, apply) => apply(f));

        Assert.Equal((T0, "web", "fair", "spring", "solar"), (fact.CapturedAt!.Value, fact.Channel, fact.Source, fact.Campaign, fact.PipelineId));
        Assert.Equal(("r2", "t2"), (fact.OwnerRepId, fact.OwnerTeamId));
        Assert.Equal(T0.AddHours(3), fact.FirstOwnerTouchAt);
        Assert.Equal([new StageEntry("new", T0.AddHours(4)), new StageEntry("qualified", T0.AddHours(4))], fact.Stages);
        Assert.True(fact.IsWon);
        Assert.Equal(("129.90", "EUR"), (fact.WonAmount, fact.WonCurrency));
        Assert.Equal([new SlaBreach("first-contact", T0.AddMinutes(30))], fact.SlaBreaches);
    }

    [Fact]
    public void A_reopened_win_is_no_win_until_won_again()
    {
        var won = LeadEvents.Aggregate(LeadFact.Empty("l1"), (f, apply) => apply(f));
        var reopened = LeadFactRules.Apply(won, new LeadReopened { EventId = Guid.NewGuid(), OccurredAt = T0.AddDays(4), LeadId = "l1", ContactId = "c1", PreviousStatus = "won", Stage = "qualified" });

        Assert.False(reopened.IsWon);
        Assert.True(LeadFactRules.Apply(reopened, new LeadWon { EventId = Guid.NewGuid(), OccurredAt = T0.AddDays(5), LeadId = "l1", ContactId = "c1", PipelineId = "solar", Stage = "qualified", Amount = "1.00", Currency = "EUR" }).IsWon);
    }

    [Fact]
    public void An_event_without_a_lead_or_a_time_is_invalid()
    {
        Assert.Throws<InvalidMessageException>(() => LeadFactRules.Apply(LeadFact.Empty(""), new LeadCaptured { EventId = Guid.NewGuid(), OccurredAt = T0, LeadId = " ", ContactId = "c", Source = "s", Channel = "web" }));
        Assert.Throws<InvalidMessageException>(() => LeadFactRules.Apply(LeadFact.Empty("l"), new LeadWon { EventId = Guid.NewGuid(), OccurredAt = default, LeadId = "l", ContactId = "c", PipelineId = "p", Stage = "s", Amount = "1", Currency = "EUR" }));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_customers_orders_and_leads_in_any_order_and_with_duplicates_give_the_same_document(int seed)
    {
        Func<Customer, Customer>[] events =
        [
            c => CustomerRules.Apply(c, Order("o1", T0.AddDays(1), "10.00")),
            c => CustomerRules.Apply(c, Order("o2", T0.AddDays(9), "30.50")),
            c => CustomerRules.Apply(c, Order("o3", T0.AddDays(4), "5.5")),
            c => CustomerRules.Apply(c, Captured("l1", T0, "spring")),
            c => CustomerRules.Apply(c, Captured("l2", T0.AddDays(5), "autumn")),
        ];
        var expected = Json(events.Aggregate(Customer.Empty("c1"), (c, apply) => apply(c)));
        var random = new Random(seed);

        var shuffled = events.Concat(events.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next());

        var customer = shuffled.Aggregate(Customer.Empty("c1"), (c, apply) => apply(c));
        Assert.Equal(expected, Json(customer));
        Assert.Equal((3, T0.AddDays(1), T0.AddDays(9), "spring", "autumn"), (customer.OrderCount, customer.FirstOrderAt!.Value, customer.LastOrderAt!.Value, customer.FirstTouchCampaign, customer.LastTouchCampaign));
        Assert.Equal("5.50", customer.Orders.Single(o => o.OrderId == "o3").Amount);
        Assert.Equal("l1", CustomerRules.Touch(customer, T0.AddDays(9), first: true)!.LeadId);
        Assert.Equal("l2", CustomerRules.Touch(customer, T0.AddDays(9), first: false)!.LeadId);
        Assert.Equal("l1", CustomerRules.Touch(customer, T0.AddDays(4), first: false)!.LeadId);
        Assert.Null(CustomerRules.Touch(customer, T0.AddDays(-1), first: true));
    }

    [Fact]
    public void A_merge_moves_the_merged_contacts_entries_to_the_survivor_and_an_unmerge_moves_exactly_them_back()
    {
        var survivor = CustomerRules.Apply(CustomerRules.Apply(Customer.Empty("s"), Order("o1", T0, "10.00", "s")), Captured("l1", T0, "spring", "s"));
        var merged = CustomerRules.Apply(CustomerRules.Apply(Customer.Empty("m"), Order("o2", T0.AddDays(1), "20.00", "m")), Captured("l2", T0.AddDays(-3), "autumn", "m"));

        var (joined, tombstone) = CustomerRules.Merge(survivor, merged, "merge-1");

        Assert.Equal(["o1", "o2"], joined.Orders.Select(o => o.OrderId));
        Assert.Equal(("merge-1", "m"), (joined.Orders[1].MergeId, joined.Orders[1].MergedFrom));
        Assert.Equal("autumn", joined.FirstTouchCampaign);
        Assert.Equal(("s", "merge-1", 0), (tombstone.MergedInto, tombstone.MergeId, tombstone.Orders.Count + tombstone.Leads.Count));

        // An order of the survivor after the merge stays with it.
        var later = CustomerRules.Apply(joined, Order("o3", T0.AddDays(2), "5.00", "s"));
        var (kept, restored) = CustomerRules.Unmerge(later, tombstone, "merge-1");

        Assert.Equal(["o1", "o3"], kept.Orders.Select(o => o.OrderId));
        Assert.Equal(["l1"], kept.Leads.Select(l => l.LeadId));
        Assert.Equal(["o2"], restored.Orders.Select(o => o.OrderId));
        Assert.Equal(["l2"], restored.Leads.Select(l => l.LeadId));
        Assert.Null(restored.MergedInto);
        Assert.All(restored.Orders, o => Assert.Null(o.MergeId));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_contacts_segment_marks_in_any_order_and_with_duplicates_give_the_same_document(int seed)
    {
        // vip: joined, left, joined again (latest: joined); churn: joined then left at the same instant (a tie: left
        // wins); new: left, then joined (latest: joined); old: joined, then left.
        SegmentMembershipChanged[] events =
        [
            Membership("vip", true, T0), Membership("vip", false, T0.AddHours(1)), Membership("vip", true, T0.AddHours(2)),
            Membership("churn", true, T0.AddHours(3)), Membership("churn", false, T0.AddHours(3)),
            Membership("new", false, T0), Membership("new", true, T0.AddMinutes(1)),
            Membership("old", true, T0), Membership("old", false, T0.AddDays(1)),
        ];
        var random = new Random(seed);
        var shuffled = events.Concat(events.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next()).ToList();

        var customer = shuffled.Aggregate(Customer.Empty("c1"), CustomerRules.Apply);

        Assert.Equal(Json(events.Aggregate(Customer.Empty("c1"), CustomerRules.Apply)), Json(customer));
        Assert.Equal(
            [new CustomerSegmentMark("churn", false, T0.AddHours(3)), new CustomerSegmentMark("new", true, T0.AddMinutes(1)), new CustomerSegmentMark("old", false, T0.AddDays(1)), new CustomerSegmentMark("vip", true, T0.AddHours(2))],
            customer.Segments);
        Assert.Equal(["new", "vip"], CustomerRules.CurrentSegments(customer));
    }

    [Fact]
    public void A_membership_change_without_a_segment_a_contact_or_a_time_is_invalid()
    {
        Assert.Throws<InvalidMessageException>(() => CustomerRules.Apply(Customer.Empty("c1"), Membership(" ", true, T0)));
        Assert.Throws<InvalidMessageException>(() => CustomerRules.Apply(Customer.Empty("c1"), Membership("vip", true, default)));
        Assert.Throws<InvalidMessageException>(() => CustomerRules.Apply(Customer.Empty("c1"), Membership("vip", true, T0) with { ContactId = "" }));
    }

    [Fact]
    public void A_merge_carries_the_merged_contacts_segment_marks_and_an_unmerge_gives_exactly_them_back()
    {
        var survivor = new[] { Membership("vip", true, T0, "s"), Membership("churn", false, T0, "s") }.Aggregate(Customer.Empty("s"), CustomerRules.Apply);
        var merged = new[] { Membership("churn", true, T0.AddHours(1), "m"), Membership("new", true, T0, "m") }.Aggregate(Customer.Empty("m"), CustomerRules.Apply);

        var (joined, tombstone) = CustomerRules.Merge(survivor, merged, "merge-1");

        // The merged contact's marks keep naming it: the survivor is in churn (through it), new and vip.
        Assert.Equal(["churn", "new", "vip"], CustomerRules.CurrentSegments(joined));
        Assert.Equal([("churn", (string?)null), ("churn", "m"), ("new", "m"), ("vip", null)], joined.Segments.Select(m => (m.SegmentId, m.MergedFrom)));
        Assert.All(joined.Segments.Where(m => m.MergedFrom == "m"), m => Assert.Equal("merge-1", m.MergeId));
        Assert.Empty(tombstone.Segments);

        // After the merge the merged contact leaves churn (Contacts: it no longer exists), delivered to the survivor
        // (as ApplyCustomerAsync does through the tombstone); the survivor's own marks are untouched by it.
        var left = CustomerRules.Apply(joined, Membership("churn", false, T0.AddHours(2), "m"));
        Assert.Equal(["new", "vip"], CustomerRules.CurrentSegments(left));
        Assert.Equal(new CustomerSegmentMark("churn", false, T0.AddHours(2)) { MergeId = "merge-1", MergedFrom = "m" }, left.Segments.Single(m => m.SegmentId == "churn" && m.MergedFrom == "m"));

        // The survivor joins old after the merge: it stays with the survivor.
        var later = CustomerRules.Apply(left, Membership("old", true, T0.AddHours(3), "s"));
        var (kept, restored) = CustomerRules.Unmerge(later, tombstone, "merge-1");

        Assert.Equal([("churn", false), ("old", true), ("vip", true)], kept.Segments.Select(m => (m.SegmentId, m.Joined)));
        Assert.All(kept.Segments, m => Assert.Null(m.MergedFrom));
        Assert.Equal([new CustomerSegmentMark("churn", false, T0.AddHours(2)), new CustomerSegmentMark("new", true, T0)], restored.Segments);
        Assert.Equal(["new"], CustomerRules.CurrentSegments(restored));
    }

    [Fact]
    public void A_merge_onto_the_same_contacts_mark_keeps_the_latest_and_an_erased_merged_contacts_marks_are_renamed()
    {
        // The survivor already holds a mark of m in vip (an un-merge and a merge again, say): the latest wins.
        var survivor = CustomerRules.Apply(Customer.Empty("s"), Membership("vip", false, T0.AddHours(5), "m"));
        var merged = CustomerRules.Apply(Customer.Empty("m"), Membership("vip", true, T0, "m"));

        var (joined, _) = CustomerRules.Merge(survivor, merged, "merge-2");
        var renamed = CustomerRules.Rename(joined, "m", "erased-r1");

        var mark = Assert.Single(joined.Segments);
        Assert.Equal((false, T0.AddHours(5), "merge-2", "m"), (mark.Joined, mark.At, mark.MergeId, mark.MergedFrom));
        Assert.Equal("erased-r1", Assert.Single(renamed.Segments).MergedFrom);
    }

    [Fact]
    public void An_order_without_an_amount_is_invalid()
    {
        Assert.Throws<InvalidMessageException>(() => CustomerRules.Apply(Customer.Empty("c1"), Order("o1", T0, "ten")));
    }

    [Fact]
    public void A_messages_reports_in_any_order_give_the_same_facts()
    {
        var sent = new MessageSent { EventId = Guid.NewGuid(), OccurredAt = T0, MessageId = "m1", ContactId = "c", Channel = "SMS", Template = "welcome", To = "+4915112345678" };
        var delivered = new MessageDelivered { EventId = Guid.NewGuid(), OccurredAt = T0.AddMinutes(2), MessageId = "m1", ContactId = "c", Channel = "sms", Status = "delivered", At = T0.AddMinutes(1) };
        var read = new MessageDelivered { EventId = Guid.NewGuid(), OccurredAt = T0.AddMinutes(9), MessageId = "m1", ContactId = "c", Channel = "sms", Status = "read", At = T0.AddMinutes(8) };
        var empty = new MessageFact { Id = "m1" };

        var inOrder = MessageFactRules.Apply(MessageFactRules.Apply(MessageFactRules.Apply(empty, sent), delivered), read);
        var reversed = MessageFactRules.Apply(MessageFactRules.Apply(MessageFactRules.Apply(empty, read), delivered), sent);

        Assert.Equal(inOrder, reversed);
        Assert.Equal(("sms", T0, T0.AddMinutes(1)), (inOrder.Channel, inOrder.SentAt!.Value, inOrder.DeliveredAt!.Value));
        Assert.Null(inOrder.FailedAt);
    }

    private static OrderPlaced Order(string id, DateTimeOffset placed, string amount, string contact = "c1") =>
        new() { EventId = Guid.NewGuid(), OccurredAt = placed.AddMinutes(1), OrderId = id, ContactId = contact, Reference = id, Amount = amount, Currency = "EUR", PlacedAt = placed };

    private static LeadCaptured Captured(string id, DateTimeOffset at, string campaign, string contact = "c1") =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = id, ContactId = contact, Source = "fair", Channel = "web", Campaign = campaign };

    private static SegmentMembershipChanged Membership(string segment, bool joined, DateTimeOffset at, string contact = "c1") =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, SegmentId = segment, SegmentVersion = 1, ContactId = contact, Joined = joined };

    private static string Json(object document) => JsonSerializer.Serialize(document, document.GetType(), DocumentJson.Options);
}
