using Crm.Assignment.Routing;
using Xunit;

namespace Crm.Assignment.Tests.Routing;

public sealed class RoundRobinTests
{
    private static RepSlot Free(string id, int capacity = 5, int open = 0) => new(id, true, capacity, open);

    private static RepSlot Inactive(string id) => new(id, false, 5, 0);

    private static RepSlot Full(string id) => new(id, true, 2, 2);

    [Fact]
    public void No_reps_means_nobody() => Assert.Null(RoundRobin.ChooseNext([], null));

    [Fact]
    public void Without_a_cursor_the_first_created_rep_with_room_is_chosen() =>
        Assert.Equal("a", RoundRobin.ChooseNext([Free("a"), Free("b"), Free("c")], null));

    [Theory]
    [InlineData("a", "b")]
    [InlineData("b", "c")]
    [InlineData("c", "a")]
    public void The_rep_after_the_cursor_is_chosen_wrapping_around(string cursor, string expected) =>
        Assert.Equal(expected, RoundRobin.ChooseNext([Free("a"), Free("b"), Free("c")], cursor));

    [Fact]
    public void Inactive_reps_are_skipped() =>
        Assert.Equal("c", RoundRobin.ChooseNext([Free("a"), Inactive("b"), Free("c")], "a"));

    [Fact]
    public void Full_reps_are_skipped() =>
        Assert.Equal("c", RoundRobin.ChooseNext([Free("a"), Full("b"), Free("c")], "a"));

    [Fact]
    public void A_rep_over_capacity_after_a_capacity_cut_is_skipped() =>
        Assert.Equal("a", RoundRobin.ChooseNext([Free("a"), new RepSlot("b", true, 2, 7)], "a"));

    [Fact]
    public void Skipping_wraps_around_to_the_start() =>
        Assert.Equal("a", RoundRobin.ChooseNext([Free("a"), Full("b"), Inactive("c")], "a"));

    [Fact]
    public void The_cursor_rep_itself_is_chosen_last_when_it_is_the_only_one_with_room() =>
        Assert.Equal("b", RoundRobin.ChooseNext([Full("a"), Free("b"), Full("c")], "b"));

    [Fact]
    public void A_single_rep_with_room_gets_every_lead() =>
        Assert.Equal("a", RoundRobin.ChooseNext([Free("a")], "a"));

    [Fact]
    public void A_single_full_rep_means_nobody() => Assert.Null(RoundRobin.ChooseNext([Full("a")], "a"));

    [Fact]
    public void All_full_means_nobody() => Assert.Null(RoundRobin.ChooseNext([Full("a"), Full("b"), Full("c")], "b"));

    [Fact]
    public void All_inactive_means_nobody() => Assert.Null(RoundRobin.ChooseNext([Inactive("a"), Inactive("b")], null));

    [Fact]
    public void A_rep_with_zero_capacity_never_gets_a_lead() =>
        Assert.Null(RoundRobin.ChooseNext([new RepSlot("a", true, 0, 0)], null));

    [Fact]
    public void A_cursor_on_a_deleted_rep_continues_with_the_next_rep_created_after_it() =>
        Assert.Equal("c", RoundRobin.ChooseNext([Free("a"), Free("c"), Free("d")], "b"));

    [Fact]
    public void A_cursor_on_a_deleted_last_rep_wraps_to_the_first() =>
        Assert.Equal("a", RoundRobin.ChooseNext([Free("a"), Free("b")], "z"));

    [Fact]
    public void A_cursor_before_every_rep_starts_at_the_first() =>
        Assert.Equal("b", RoundRobin.ChooseNext([Free("b"), Free("c")], "a"));

    [Fact]
    public void A_cursor_on_an_inactive_rep_continues_after_it() =>
        Assert.Equal("c", RoundRobin.ChooseNext([Free("a"), Inactive("b"), Free("c")], "b"));

    [Fact]
    public void Creation_order_is_the_id_order_whatever_order_the_reps_come_in() =>
        Assert.Equal("b", RoundRobin.ChooseNext([Free("c"), Free("a"), Free("b")], "a"));

    [Fact]
    public void Ids_compare_ordinally() =>
        Assert.Equal("B", RoundRobin.ChooseNext([Free("a"), Free("B")], "a"));

    [Fact]
    public void Uuid_v7_ids_follow_creation_order()
    {
        var first = Crm.ServiceDefaults.Storage.Ids.New();
        var later = "ffffffffffff" + first[12..];
        Assert.Equal(later, RoundRobin.ChooseNext([Free(later), Free(first)], first));
        Assert.Equal(first, RoundRobin.ChooseNext([Free(later), Free(first)], null));
    }

    [Fact]
    public void Plan_alternates_between_two_reps()
    {
        var plan = RoundRobin.Plan([Free("a"), Free("b")], null, ["l1", "l2", "l3"]);

        Assert.Equal(["a", "b", "a"], plan.Allocations.Select(a => a.RepId));
        Assert.Equal(["l1", "l2", "l3"], plan.Allocations.Select(a => a.LeadId));
        Assert.Equal("a", plan.Cursor);
    }

    [Fact]
    public void Plan_continues_from_the_cursor()
    {
        var plan = RoundRobin.Plan([Free("a"), Free("b"), Free("c")], "b", ["l1", "l2"]);

        Assert.Equal(["c", "a"], plan.Allocations.Select(a => a.RepId));
        Assert.Equal("a", plan.Cursor);
    }

    [Fact]
    public void Plan_takes_capacity_as_it_goes()
    {
        var plan = RoundRobin.Plan([Free("a", capacity: 1), Free("b", capacity: 3)], null, ["l1", "l2", "l3", "l4"]);

        Assert.Equal(["a", "b", "b", "b"], plan.Allocations.Select(a => a.RepId));
    }

    [Fact]
    public void Plan_stops_when_nobody_has_room_and_keeps_the_order_of_the_leads()
    {
        var plan = RoundRobin.Plan([Free("a", capacity: 2, open: 1), Free("b", capacity: 1)], "a", ["hot", "warm", "cold"]);

        Assert.Equal([new Allocation("hot", "b"), new Allocation("warm", "a")], plan.Allocations);
        Assert.Equal("a", plan.Cursor);
    }

    [Fact]
    public void Plan_with_nobody_free_allocates_nothing_and_keeps_the_cursor()
    {
        var plan = RoundRobin.Plan([Full("a"), Inactive("b")], "a", ["l1"]);

        Assert.Empty(plan.Allocations);
        Assert.Equal("a", plan.Cursor);
    }

    [Fact]
    public void Plan_without_leads_keeps_the_cursor()
    {
        var plan = RoundRobin.Plan([Free("a")], null, []);

        Assert.Empty(plan.Allocations);
        Assert.Null(plan.Cursor);
    }

    [Fact]
    public void Plan_does_not_change_the_slots_it_was_given()
    {
        IReadOnlyList<RepSlot> reps = [Free("a", capacity: 1)];

        RoundRobin.Plan(reps, null, ["l1"]);

        Assert.Equal(0, reps[0].OpenLeads);
    }

    [Fact]
    public void Free_capacity_counts_only_active_reps_below_capacity() =>
        Assert.Equal(5 + 1, RoundRobin.FreeCapacity([Free("a"), Free("b", capacity: 3, open: 2), Inactive("c"), Full("d"), new RepSlot("e", true, 1, 4)]));

    [Fact]
    public void Plan_never_exceeds_capacity_and_fills_what_is_free_in_random_pools()
    {
        var random = new Random(20261122);
        for (var round = 0; round < 500; round++)
        {
            var reps = Enumerable.Range(0, random.Next(0, 8))
                .Select(i => new RepSlot($"r{i:D2}", random.Next(4) > 0, random.Next(0, 5), random.Next(0, 6)))
                .ToList();
            var leads = Enumerable.Range(0, random.Next(0, 20)).Select(i => $"l{i:D2}").ToList();
            var cursor = random.Next(3) == 0 ? null : $"r{random.Next(0, 9):D2}";

            var plan = RoundRobin.Plan(reps, cursor, leads);

            Assert.Equal(Math.Min(leads.Count, RoundRobin.FreeCapacity(reps)), plan.Allocations.Count);
            Assert.Equal(leads.Take(plan.Allocations.Count), plan.Allocations.Select(a => a.LeadId));
            foreach (var rep in reps)
            {
                var given = plan.Allocations.Count(a => a.RepId == rep.Id);
                Assert.True(given == 0 || (rep.Active && rep.OpenLeads + given <= rep.Capacity), $"round {round}: rep {rep.Id} got {given} leads");
            }

            // Round robin is fair: among reps with room throughout, counts differ by at most one.
            var roomy = reps.Where(r => r.Active && r.Capacity - r.OpenLeads >= leads.Count).Select(r => plan.Allocations.Count(a => a.RepId == r.Id)).ToList();
            if (roomy.Count > 1)
            {
                Assert.True(roomy.Max() - roomy.Min() <= 1, $"round {round}: unfair spread {string.Join(",", roomy)}");
            }
        }
    }
}
