using System.Globalization;
using Crm.Assignment.Routing;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Xunit;

namespace Crm.Assignment.Tests.Routing;

public sealed class RouterTests
{
    /// <summary>A Monday, 10:20 UTC.</summary>
    private static readonly DateTimeOffset Now = At("2026-01-05T10:20:00Z");

    private static readonly LeadUnits OneUnit = new();

    /// <summary>A capacity that never binds.</summary>
    private const int Roomy = 1_000_000;

    private static readonly DayOfWeek[] Weekdays =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    // --- Round robin ---

    [Fact]
    public void Round_robin_goes_in_rep_id_order_and_wraps_around()
    {
        var router = new Router([], OneUnit, [Rep("rep-c"), Rep("rep-a"), Rep("rep-b")]);

        Assert.Equal(["rep-a", "rep-b", "rep-c", "rep-a", "rep-b"], RouteMany(router, 5));
        Assert.Equal("rep-b", router.States()[AssignmentRule.DefaultId].Cursor);
    }

    [Fact]
    public void Round_robin_starts_after_the_cursor()
    {
        var router = new Router([], OneUnit, [Rep("rep-a"), Rep("rep-b"), Rep("rep-c")], Cursor("rep-b"));

        Assert.Equal(["rep-c", "rep-a", "rep-b"], RouteMany(router, 3));
    }

    [Theory]
    [InlineData("rep-b", new[] { "rep-c", "rep-d", "rep-a" })]
    [InlineData("rep-0", new[] { "rep-a", "rep-c", "rep-d" })]
    [InlineData("rep-z", new[] { "rep-a", "rep-c", "rep-d" })]
    public void A_cursor_naming_a_deleted_rep_continues_with_the_next_id_after_it(string cursor, string[] expected)
    {
        var router = new Router([], OneUnit, [Rep("rep-a"), Rep("rep-c"), Rep("rep-d")], Cursor(cursor));

        Assert.Equal(expected, RouteMany(router, 3));
    }

    [Fact]
    public void Inactive_away_offline_and_full_reps_are_skipped_and_each_is_explained()
    {
        var router = new Router([], OneUnit,
        [
            Rep("rep-a") with { Active = false },
            Rep("rep-b") with { Presence = Presence.Away },
            Rep("rep-c") with { Presence = Presence.Offline },
            Rep("rep-d", capacity: 3, load: 3),
            Rep("rep-e", capacity: 10, load: 4),
            Rep("rep-f") with { Presence = Presence.Offline },
        ]);

        var decision = router.Route(Lead("lead-1"), Now);

        Assert.Equal("rep-e", decision.RepId);
        Assert.Equal(1, decision.Units);
        Assert.Null(decision.RetryAt);
        var why = decision.Explanation;
        Assert.Equal(AssignmentRule.DefaultId, why.RuleId);
        Assert.Equal(RoutingStrategy.RoundRobin, why.Strategy);
        Assert.Equal(6, why.Considered);
        Assert.Equal(1, why.Eligible);
        Assert.Equal(
            [
                new ExcludedRep("rep-a", Exclusion.Inactive),
                new ExcludedRep("rep-b", Exclusion.Away),
                new ExcludedRep("rep-c", Exclusion.Offline),
                new ExcludedRep("rep-d", Exclusion.Full),
                new ExcludedRep("rep-f", Exclusion.Offline),
            ],
            why.Excluded);
        Assert.Equal(
            new Dictionary<string, int> { ["inactive"] = 1, ["away"] = 1, ["offline"] = 2, ["full"] = 1 },
            AsDictionary(why.ExcludedByReason));
        Assert.Equal(new WinnerNumbers("rep-e", 4, 10, 1, null), why.Winner);
        Assert.Null(why.Note);
        Assert.Equal(5, router.LoadOf("rep-e"));
    }

    [Fact]
    public void Excluded_reps_are_listed_up_to_the_limit_and_all_counted()
    {
        var reps = Enumerable.Range(0, 25).Select(i => Rep($"rep-{i:00}") with { Presence = Presence.Offline }).Append(Rep("rep-99"));
        var router = new Router([], OneUnit, reps);

        var why = router.Route(Lead("lead-1"), Now).Explanation;

        Assert.Equal("rep-99", why.Winner?.RepId);
        Assert.Equal(RouteExplanation.MaxListed, why.Excluded.Count);
        Assert.Equal("rep-19", why.Excluded[^1].RepId);
        Assert.Equal(new Dictionary<string, int> { ["offline"] = 25 }, AsDictionary(why.ExcludedByReason));
        Assert.Equal(26, why.Considered);
    }

    [Fact]
    public void Every_exclusion_has_its_wire_name()
    {
        Assert.Equal(
            ["current-owner", "not-in-team", "missing-skill", "inactive", "away", "offline", "outside-working-hours", "full", "fairness-cap"],
            Enum.GetValues<Exclusion>().Select(Router.WireName));
    }

    [Fact]
    public void A_lead_taken_from_its_owner_never_goes_back_to_them()
    {
        var router = new Router([], OneUnit, [Rep("rep-a"), Rep("rep-b")]);

        var moved = router.Route(Lead("lead-1") with { ExcludedRepId = "rep-a" }, Now);
        var alone = new Router([], OneUnit, [Rep("rep-a")]).Route(Lead("lead-2") with { ExcludedRepId = "rep-a" }, Now);

        Assert.Equal("rep-b", moved.RepId);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.CurrentOwner)], moved.Explanation.Excluded);
        Assert.Null(alone.RepId);
    }

    // --- Least loaded, most available, sticky ---

    [Fact]
    public void Least_loaded_takes_the_fewest_units_and_breaks_ties_in_round_robin_order()
    {
        var router = new Router([Rule("least", RoutingStrategy.LeastLoaded)], OneUnit,
            [Rep("rep-a", load: 3), Rep("rep-b", load: 1), Rep("rep-c", load: 1), Rep("rep-d", load: 5)]);

        // b and c tie at 1 (b first); then c; tied at 2 after the cursor c: d, a, b → b; c; all at 3 after c: a.
        Assert.Equal(["rep-b", "rep-c", "rep-b", "rep-c", "rep-a"], RouteMany(router, 5));
        Assert.Equal([4, 3, 3, 5], new[] { "rep-a", "rep-b", "rep-c", "rep-d" }.Select(router.LoadOf));
    }

    [Fact]
    public void Least_loaded_reports_the_winners_load_before_the_lead()
    {
        var router = new Router([Rule("least", RoutingStrategy.LeastLoaded)], new LeadUnits(Hot: 3), [Rep("rep-a", capacity: 10, load: 2), Rep("rep-b", capacity: 10, load: 1)]);

        var decision = router.Route(Lead("lead-1", Grade.Hot), Now);

        Assert.Equal("rep-b", decision.RepId);
        Assert.Equal(3, decision.Units);
        Assert.Equal(new WinnerNumbers("rep-b", 1, 10, 1, null), decision.Explanation.Winner);
        Assert.Equal(4, router.LoadOf("rep-b"));
    }

    [Fact]
    public void Most_available_takes_the_most_units_left_and_breaks_ties_in_round_robin_order()
    {
        var router = new Router([Rule("most", RoutingStrategy.MostAvailable)], OneUnit,
            [Rep("rep-a", capacity: 10, load: 5), Rep("rep-b", capacity: 20, load: 12), Rep("rep-c", capacity: 8, load: 0)]);

        // Left: a 5, b 8, c 8 → b (first of the tie); c 8 → c; b 7 and c 7 after the cursor c: a, b → b; c.
        Assert.Equal(["rep-b", "rep-c", "rep-b", "rep-c"], RouteMany(router, 4));
        Assert.Equal(RoutingStrategy.MostAvailable, router.Route(Lead("lead-5"), Now).Explanation.Strategy);
    }

    [Fact]
    public void Sticky_keeps_the_previous_owner_when_eligible()
    {
        var router = new Router([Rule("sticky", RoutingStrategy.Sticky)], OneUnit, [Rep("rep-a"), Rep("rep-b"), Rep("rep-c")]);

        var decision = router.Route(Lead("lead-1") with { PreviousOwnerId = "rep-c" }, Now);

        Assert.Equal("rep-c", decision.RepId);
        Assert.Equal("Kept with the contact's previous owner.", decision.Explanation.Note);
        Assert.Equal(RoutingStrategy.Sticky, decision.Explanation.Strategy);
    }

    [Fact]
    public void A_lead_kept_with_its_previous_owner_does_not_move_the_rotation()
    {
        var router = new Router([Rule("sticky", RoutingStrategy.Sticky)], OneUnit, [Rep("rep-a"), Rep("rep-b"), Rep("rep-c")], Cursor("rep-a", "sticky"));

        var kept = router.Route(Lead("lead-1") with { PreviousOwnerId = "rep-c" }, Now);
        var next = router.Route(Lead("lead-2"), Now);

        Assert.Equal(("rep-c", "rep-b"), (kept.RepId, next.RepId));
    }

    [Fact]
    public void Sticky_falls_back_to_round_robin_with_a_note_when_the_previous_owner_is_not_eligible()
    {
        var router = new Router([Rule("sticky", RoutingStrategy.Sticky)], OneUnit,
            [Rep("rep-a"), Rep("rep-b"), Rep("rep-c") with { Presence = Presence.Offline }], Cursor("rep-a", "sticky"));

        var offline = router.Route(Lead("lead-1") with { PreviousOwnerId = "rep-c" }, Now);
        var deleted = router.Route(Lead("lead-2") with { PreviousOwnerId = "rep-gone" }, Now);

        Assert.Equal("rep-b", offline.RepId);
        Assert.Equal("The contact's previous owner rep-c is not eligible: round robin.", offline.Explanation.Note);
        Assert.Equal([new ExcludedRep("rep-c", Exclusion.Offline)], offline.Explanation.Excluded);
        Assert.Equal("rep-a", deleted.RepId);
        Assert.Equal("The contact's previous owner rep-gone is not eligible: round robin.", deleted.Explanation.Note);
    }

    [Fact]
    public void Sticky_without_a_previous_owner_is_round_robin()
    {
        var router = new Router([Rule("sticky", RoutingStrategy.Sticky)], OneUnit, [Rep("rep-a"), Rep("rep-b")]);

        var decisions = new[] { router.Route(Lead("lead-1"), Now), router.Route(Lead("lead-2"), Now) };

        Assert.Equal(["rep-a", "rep-b"], decisions.Select(d => d.RepId));
        Assert.All(decisions, d => Assert.Equal("The contact has no previous owner: round robin.", d.Explanation.Note));
    }

    // --- Weighted with credits ---

    [Fact]
    public void Weighted_2_1_1_over_4000_leads_gives_exactly_2000_1000_1000_smoothly()
    {
        var router = new Router([Rule("weighted", RoutingStrategy.Weighted)], OneUnit,
            [Rep("rep-a", Roomy) with { Weight = 2 }, Rep("rep-b", Roomy), Rep("rep-c", Roomy)]);

        var chosen = RouteMany(router, 4_000);

        Assert.Equal(
            new Dictionary<string, int> { ["rep-a"] = 2_000, ["rep-b"] = 1_000, ["rep-c"] = 1_000 },
            AsDictionary(Counts(chosen)));
        Assert.Equal(2, LongestRun(chosen, "rep-a"));
        Assert.Equal(1, LongestRun(chosen, "rep-b"));
        Assert.Equal(1, LongestRun(chosen, "rep-c"));
        // Every window of 4 consecutive leads holds exactly two for rep-a: the interleaving is smooth throughout.
        for (var i = 0; i + 4 <= chosen.Count; i++)
        {
            Assert.Equal((i, 2), (i, chosen.Skip(i).Take(4).Count(r => r == "rep-a")));
        }
    }

    [Fact]
    public void Weighted_reports_the_winners_credit_before_paying_for_the_lead()
    {
        var router = new Router([Rule("weighted", RoutingStrategy.Weighted)], OneUnit,
            [Rep("rep-a") with { Weight = 2 }, Rep("rep-b"), Rep("rep-c")]);

        var winners = Enumerable.Range(0, 4).Select(i => router.Route(Lead($"lead-{i}"), Now).Explanation.Winner!).ToList();

        // Credits earned: a 2 b 1 c 1 → a (pays 4); a 0 b 2 c 2 → b; a 2 b -1 c 3 → c; a 4 b 0 c 0 → a.
        Assert.Equal(
            [
                new WinnerNumbers("rep-a", 0, 100, 2, 2),
                new WinnerNumbers("rep-b", 0, 100, 1, 2),
                new WinnerNumbers("rep-c", 0, 100, 1, 3),
                new WinnerNumbers("rep-a", 1, 100, 2, 4),
            ],
            winners);
        Assert.Equal(
            new Dictionary<string, long> { ["rep-a"] = 0, ["rep-b"] = 0, ["rep-c"] = 0 },
            AsDictionary(router.States()["weighted"].Credits));
    }

    [Fact]
    public void A_rep_back_after_being_offline_gets_its_weight_share_not_a_flood()
    {
        AssignmentRule[] rules = [Rule("weighted", RoutingStrategy.Weighted)];
        RoutingRep[] present = [Rep("rep-a", Roomy) with { Weight = 2 }, Rep("rep-b", Roomy), Rep("rep-c", Roomy), Rep("rep-d", Roomy)];
        RoutingRep[] dOffline = [.. present.Select(r => r.Id == "rep-d" ? r with { Presence = Presence.Offline } : r)];

        var (_, state) = RoutePass(rules, present, null, 100);
        var (away, awayState) = RoutePass(rules, dOffline, state, 1_000);
        var (back, _) = RoutePass(rules, present, awayState, 40);

        Assert.Equal(
            new Dictionary<string, int> { ["rep-a"] = 500, ["rep-b"] = 250, ["rep-c"] = 250 },
            AsDictionary(Counts(away)));
        // Weight 1 of 5: 8 of 40 leads, ± 2.
        Assert.InRange(Counts(back).GetValueOrDefault("rep-d"), 6, 10);
        Assert.True(LongestRun(back, "rep-d") <= 1, string.Join(",", back));
    }

    [Fact]
    public void A_weight_change_counts_from_the_next_decision_without_catching_up()
    {
        AssignmentRule[] rules = [Rule("weighted", RoutingStrategy.Weighted)];
        var (before, state) = RoutePass(rules, [Rep("rep-a"), Rep("rep-b")], null, 10);
        RoutingRep[] changed = [Rep("rep-a"), Rep("rep-b") with { Weight = 3 }];

        var (after, _) = RoutePass(rules, changed, state, 40);

        Assert.Equal(new Dictionary<string, int> { ["rep-a"] = 5, ["rep-b"] = 5 }, AsDictionary(Counts(before)));
        Assert.Equal("rep-b", after[0]);
        // 1:3 from the change on: the 5 leads rep-b "missed" under the old weights are not made up.
        Assert.Equal(new Dictionary<string, int> { ["rep-a"] = 10, ["rep-b"] = 30 }, AsDictionary(Counts(after)));
    }

    // --- State continuity ---

    [Fact]
    public void Routing_in_two_passes_over_the_persisted_state_equals_routing_in_one()
    {
        AssignmentRule[] rules =
        [
            Rule("hot-weighted", RoutingStrategy.Weighted, new RuleConditions { Grades = [Grade.Hot] }, cap: new FairnessCap(3, TimeSpan.FromHours(1))),
            Rule("warm-least", RoutingStrategy.LeastLoaded, new RuleConditions { Grades = [Grade.Warm] }),
            Rule("rest", RoutingStrategy.RoundRobin),
        ];
        RoutingRep[] reps =
        [
            Rep("rep-a", capacity: 50, load: 4) with { Weight = 3 },
            Rep("rep-b", capacity: 50, load: 1) with { Weight = 2 },
            Rep("rep-c", capacity: 50, load: 2),
            Rep("rep-d", capacity: 50, load: 0),
        ];
        var units = new LeadUnits(Hot: 2);
        var leads = Enumerable.Range(0, 10).Select(i => Lead($"lead-{i}", (Grade)(i % 3))).ToList();

        var once = new Router(rules, units, reps);
        var oneGo = leads.Select(l => once.Route(l, Now).RepId).ToList();

        var first = new Router(rules, units, reps);
        var split = leads.Take(5).Select(l => first.Route(l, Now).RepId).ToList();
        var carried = reps.Select(r => r with { Load = first.LoadOf(r.Id) });
        var second = new Router(rules, units, carried, first.States());
        split.AddRange(leads.Skip(5).Select(l => second.Route(l, Now).RepId));

        Assert.Equal(oneGo, split);
        Assert.Equal(reps.Select(r => once.LoadOf(r.Id)), reps.Select(r => second.LoadOf(r.Id)));
        Assert.Equal(Describe(once.States()), Describe(second.States()));
        Assert.Equal(["hot-weighted", "rest", "warm-least"], once.States().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void States_drop_removed_rules_and_deleted_reps_and_keep_unused_rules()
    {
        var stored = new Dictionary<string, RuleState>
        {
            ["weighted"] = new() { Cursor = "rep-x", Credits = new Dictionary<string, long> { ["rep-a"] = 1, ["rep-x"] = -1 } },
            ["unused"] = new() { Cursor = "rep-a" },
            ["removed"] = new() { Cursor = "rep-a" },
        };
        var router = new Router([Rule("weighted", RoutingStrategy.Weighted), Rule("unused")], OneUnit, [Rep("rep-a"), Rep("rep-b")], stored);

        router.Route(Lead("lead-1"), Now);
        var states = router.States();

        Assert.Equal(["unused", "weighted"], states.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("rep-a", states["unused"].Cursor);
        Assert.Equal(["rep-a", "rep-b"], states["weighted"].Credits.Keys.Order(StringComparer.Ordinal));
    }

    // --- Rules ---

    [Fact]
    public void The_first_matching_rule_wins()
    {
        AssignmentRule[] rules =
        [
            Rule("web", when: new RuleConditions { Sources = ["web"] }, pool: new RulePool { TeamId = "team-1" }),
            Rule("email", when: new RuleConditions { Channels = ["email"] }, pool: new RulePool { TeamId = "team-2" }),
            Rule("rest"),
        ];
        var router = new Router(rules, OneUnit, [Rep("rep-a") with { TeamId = "team-1" }, Rep("rep-b") with { TeamId = "team-2" }]);

        var both = router.Route(Lead("lead-1") with { Source = "web", Channel = "email" }, Now);
        var emailOnly = router.Route(Lead("lead-2") with { Source = "fair", Channel = "email" }, Now);
        var neither = router.Route(Lead("lead-3") with { Source = "fair", Channel = "phone" }, Now);

        Assert.Equal(("web", "rep-a"), (both.Explanation.RuleId, both.RepId));
        Assert.Equal(("email", "rep-b"), (emailOnly.Explanation.RuleId, emailOnly.RepId));
        Assert.Equal(("rest", "rep-a"), (neither.Explanation.RuleId, neither.RepId));
        Assert.Equal("rest", router.RuleFor(Lead("lead-4"))?.Id);
    }

    public static TheoryData<string, RuleConditions, RoutingLead, RoutingLead> Conditions()
    {
        var lead = Lead("lead-1");
        return new TheoryData<string, RuleConditions, RoutingLead, RoutingLead>
        {
            { "sources", new() { Sources = ["Web", "fair"] }, lead with { Source = "web" }, lead with { Source = "webinar" } },
            { "sources, no value", new() { Sources = ["web"] }, lead with { Source = "WEB" }, lead },
            { "channels", new() { Channels = ["WhatsApp"] }, lead with { Channel = "whatsapp" }, lead with { Channel = "email" } },
            { "campaigns", new() { Campaigns = ["spring-26"] }, lead with { Campaign = "SPRING-26" }, lead with { Campaign = "autumn-26" } },
            { "interests", new() { Interests = ["solar", "battery"] }, lead with { Interest = "Battery" }, lead with { Interest = "heat-pump" } },
            { "regions", new() { Regions = ["ES-MD"] }, lead with { Region = "es-md" }, lead with { Region = "ES-CT" } },
            { "languages", new() { Languages = ["ES"] }, lead with { Language = "es" }, lead with { Language = "en" } },
            { "grades", new() { Grades = [Grade.Hot, Grade.Warm] }, lead with { Grade = Grade.Warm }, lead with { Grade = Grade.Cold } },
            { "score min, inclusive", new() { ScoreMin = 60 }, lead with { Score = 60 }, lead with { Score = 59 } },
            { "score max, inclusive", new() { ScoreMax = 80 }, lead with { Score = 80 }, lead with { Score = 81 } },
            { "score range", new() { ScoreMin = 60, ScoreMax = 80 }, lead with { Score = 70 }, lead with { Score = 90 } },
            { "returning customer", new() { ReturningCustomer = true }, lead with { ReturningCustomer = true }, lead },
            { "new customer", new() { ReturningCustomer = false }, lead, lead with { ReturningCustomer = true } },
            { "all together", new() { Sources = ["web"], Languages = ["es"], ScoreMin = 50 }, lead with { Source = "web", Language = "ES", Score = 50 }, lead with { Source = "web", Language = "es", Score = 49 } },
        };
    }

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Each_condition_kind_matches_only_its_leads(string kind, RuleConditions when, RoutingLead matching, RoutingLead other)
    {
        var router = new Router([Rule("conditioned", when: when), Rule("rest")], OneUnit, [Rep("rep-a")]);

        Assert.Equal((kind, "conditioned"), (kind, router.Route(matching, Now).Explanation.RuleId));
        Assert.Equal((kind, "rest"), (kind, router.Route(other, Now).Explanation.RuleId));
    }

    [Fact]
    public void Without_a_matching_rule_the_lead_waits_for_the_rules_to_change()
    {
        var router = new Router([Rule("web", when: new RuleConditions { Sources = ["web"] })], new LeadUnits(Hot: 2), [Rep("rep-a")]);

        var decision = router.Route(Lead("lead-1", Grade.Hot) with { Source = "phone" }, Now);

        Assert.Null(decision.RepId);
        Assert.Equal(2, decision.Units);
        Assert.Null(decision.RetryAt);
        Assert.Equal("", decision.Explanation.RuleId);
        Assert.Equal("No rule matches the lead: it waits until the rules change.", decision.Explanation.Note);
        Assert.Null(decision.Explanation.Winner);
        Assert.Equal(0, router.LoadOf("rep-a"));
        Assert.Null(router.RuleFor(Lead("lead-2")));
    }

    [Fact]
    public void No_rules_means_the_default_rule_round_robin_over_everyone()
    {
        var router = new Router([], OneUnit, [Rep("rep-b") with { TeamId = "team-2" }, Rep("rep-a") with { TeamId = "team-1" }, Rep("rep-c")]);

        var decision = router.Route(Lead("lead-1", Grade.Cold) with { Source = "anything" }, Now);

        Assert.Equal("rep-a", decision.RepId);
        Assert.Equal(AssignmentRule.Default.Id, decision.Explanation.RuleId);
        Assert.Equal(AssignmentRule.Default.Name, decision.Explanation.RuleName);
        Assert.Equal(RoutingStrategy.RoundRobin, decision.Explanation.Strategy);
        Assert.Equal(["rep-b", "rep-c", "rep-a"], RouteMany(router, 3));
        Assert.Equal([AssignmentRule.DefaultId], router.States().Keys);
    }

    // --- Pools ---

    [Fact]
    public void A_team_pool_takes_only_the_teams_reps()
    {
        var router = new Router([Rule("team", pool: new RulePool { TeamId = "team-1" })], OneUnit,
            [Rep("rep-a") with { TeamId = "team-2" }, Rep("rep-b") with { TeamId = "team-1" }, Rep("rep-c"), Rep("rep-d") with { TeamId = "team-1" }]);

        var first = router.Route(Lead("lead-1"), Now);

        Assert.Equal("rep-b", first.RepId);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.NotInTeam), new ExcludedRep("rep-c", Exclusion.NotInTeam)], first.Explanation.Excluded);
        Assert.Equal(new Dictionary<string, int> { ["not-in-team"] = 2 }, AsDictionary(first.Explanation.ExcludedByReason));
        Assert.Equal((4, 2), (first.Explanation.Considered, first.Explanation.Eligible));
        Assert.Equal(["rep-d", "rep-b"], RouteMany(router, 2));
    }

    [Fact]
    public void Required_skills_need_at_least_the_minimum_level()
    {
        var pool = new RulePool { RequiredSkills = [new SkillRequirement("lang:es", 3), new SkillRequirement("product:a", 1)] };
        var router = new Router([Rule("spanish", pool: pool)], OneUnit,
        [
            Rep("rep-a") with { Skills = Skills(("lang:es", 2), ("product:a", 5)) },
            Rep("rep-b") with { Skills = Skills(("lang:es", 3)) },
            Rep("rep-c") with { Skills = Skills(("lang:es", 3), ("product:a", 1)) },
            Rep("rep-d") with { Skills = Skills(("lang:es", 5), ("product:a", 2)) },
        ]);

        var first = router.Route(Lead("lead-1"), Now);

        Assert.Equal("rep-c", first.RepId);
        Assert.Equal(
            [new ExcludedRep("rep-a", Exclusion.MissingSkill, "lang:es ≥ 3"), new ExcludedRep("rep-b", Exclusion.MissingSkill, "product:a ≥ 1")],
            first.Explanation.Excluded);
        Assert.Equal(new Dictionary<string, int> { ["missing-skill"] = 2 }, AsDictionary(first.Explanation.ExcludedByReason));
        Assert.Equal(["rep-d", "rep-c"], RouteMany(router, 2));
    }

    [Fact]
    public void Optional_skills_are_required_until_the_lead_has_waited_long_enough()
    {
        var queued = At("2026-01-05T10:00:00Z");
        var pool = new RulePool { OptionalSkills = [new SkillRequirement("product:solar", 2)], DropOptionalAfter = TimeSpan.FromMinutes(15) };
        RoutingRep[] reps = [Rep("rep-a"), Rep("rep-b") with { Skills = Skills(("product:solar", 2)) }];
        var lead = Lead("lead-1") with { QueuedAt = queued };

        var early = new Router([Rule("solar", pool: pool)], OneUnit, reps).Route(lead, queued.AddMinutes(1));
        var late = new Router([Rule("solar", pool: pool)], OneUnit, reps).Route(lead, queued.AddMinutes(15));

        Assert.Equal("rep-b", early.RepId);
        Assert.False(early.Explanation.OptionalSkillsDropped);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.MissingSkill, "product:solar ≥ 2 (optional)")], early.Explanation.Excluded);
        Assert.Null(early.RetryAt);
        Assert.Equal("rep-a", late.RepId);
        Assert.True(late.Explanation.OptionalSkillsDropped);
        Assert.Empty(late.Explanation.Excluded);
        Assert.Null(late.RetryAt);
    }

    [Fact]
    public void A_lead_waiting_for_optional_skills_retries_when_they_are_dropped()
    {
        var queued = At("2026-01-05T10:00:00Z");
        var pool = new RulePool { OptionalSkills = [new SkillRequirement("product:solar", 1)], DropOptionalAfter = TimeSpan.FromMinutes(15) };
        RoutingRep[] reps = [Rep("rep-a"), Rep("rep-b") with { Skills = Skills(("product:solar", 1)), Presence = Presence.Offline }];
        var lead = Lead("lead-1") with { QueuedAt = queued };

        var waiting = new Router([Rule("solar", pool: pool)], OneUnit, reps).Route(lead, queued.AddMinutes(5));
        var justBefore = new Router([Rule("solar", pool: pool)], OneUnit, reps).Route(lead, queued.AddMinutes(15).AddTicks(-1));
        var dropped = new Router([Rule("solar", pool: pool)], OneUnit, reps).Route(lead, queued.AddMinutes(15));

        Assert.Null(waiting.RepId);
        Assert.Equal(queued.AddMinutes(15), waiting.RetryAt);
        Assert.False(waiting.Explanation.OptionalSkillsDropped);
        Assert.Equal(
            [new ExcludedRep("rep-a", Exclusion.MissingSkill, "product:solar ≥ 1 (optional)"), new ExcludedRep("rep-b", Exclusion.Offline)],
            waiting.Explanation.Excluded);
        Assert.Null(justBefore.RepId);
        Assert.Equal(queued.AddMinutes(15), justBefore.RetryAt);
        Assert.Equal("rep-a", dropped.RepId);
        Assert.True(dropped.Explanation.OptionalSkillsDropped);
    }

    // --- Lead units ---

    [Fact]
    public void A_hot_lead_of_two_units_does_not_fit_one_unit_left_but_a_cold_lead_does()
    {
        var router = new Router([], new LeadUnits(Hot: 2, Warm: 1, Cold: 1), [Rep("rep-a", capacity: 5, load: 4)]);

        var hot = router.Route(Lead("lead-hot", Grade.Hot), Now);
        var cold = router.Route(Lead("lead-cold", Grade.Cold), Now);

        Assert.Null(hot.RepId);
        Assert.Equal(2, hot.Units);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.Full)], hot.Explanation.Excluded);
        Assert.Null(hot.RetryAt);
        Assert.Equal("rep-a", cold.RepId);
        Assert.Equal(1, cold.Units);
        Assert.Equal(new WinnerNumbers("rep-a", 4, 5, 1, null), cold.Explanation.Winner);
        Assert.Equal(5, router.LoadOf("rep-a"));
        Assert.False(router.AnyRoom());
    }

    // --- Fairness cap ---

    [Fact]
    public void A_fairness_cap_holds_each_rep_to_its_max_per_window_and_retries_at_the_windows_end()
    {
        AssignmentRule[] rules = [Rule("capped", cap: new FairnessCap(2, TimeSpan.FromHours(1)))];
        var router = new Router(rules, OneUnit, [Rep("rep-a"), Rep("rep-b")]);

        var chosen = RouteMany(router, 4);
        var capped = router.Route(Lead("lead-5"), Now);

        Assert.Equal(["rep-a", "rep-b", "rep-a", "rep-b"], chosen);
        Assert.Null(capped.RepId);
        Assert.Equal(At("2026-01-05T11:00:00Z"), capped.RetryAt);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.FairnessCap), new ExcludedRep("rep-b", Exclusion.FairnessCap)], capped.Explanation.Excluded);
        Assert.Equal(new Dictionary<string, int> { ["fairness-cap"] = 2 }, AsDictionary(capped.Explanation.ExcludedByReason));
        var state = router.States()["capped"];
        Assert.Equal(At("2026-01-05T10:00:00Z"), state.WindowStart);
        Assert.Equal(new Dictionary<string, int> { ["rep-a"] = 2, ["rep-b"] = 2 }, AsDictionary(state.WindowCounts));
    }

    [Fact]
    public void A_fairness_cap_leaves_room_to_reps_under_it()
    {
        AssignmentRule[] rules = [Rule("capped", cap: new FairnessCap(1, TimeSpan.FromMinutes(30)))];
        var router = new Router(rules, OneUnit, [Rep("rep-a"), Rep("rep-b"), Rep("rep-c")]);

        Assert.Equal(["rep-a", "rep-b", "rep-c"], RouteMany(router, 3));
        var fourth = router.Route(Lead("lead-4"), Now);
        Assert.Null(fourth.RepId);
        Assert.Equal(At("2026-01-05T10:30:00Z"), fourth.RetryAt);
    }

    [Fact]
    public void A_new_window_resets_the_counts()
    {
        AssignmentRule[] rules = [Rule("capped", cap: new FairnessCap(2, TimeSpan.FromHours(1)))];
        RoutingRep[] reps = [Rep("rep-a"), Rep("rep-b")];
        var first = new Router(rules, OneUnit, reps);
        RouteMany(first, 4);
        Assert.Null(first.Route(Lead("lead-5"), At("2026-01-05T10:59:59.9999999Z")).RepId);

        var next = new Router(rules, OneUnit, reps, first.States());
        var atEnd = next.Route(Lead("lead-5"), At("2026-01-05T11:00:00Z"));

        Assert.Equal("rep-a", atEnd.RepId);
        var state = next.States()["capped"];
        Assert.Equal(At("2026-01-05T11:00:00Z"), state.WindowStart);
        Assert.Equal(new Dictionary<string, int> { ["rep-a"] = 1 }, AsDictionary(state.WindowCounts));
        Assert.Equal(["rep-b", "rep-a", "rep-b"], RouteMany(next, 3, At("2026-01-05T11:30:00Z")));
        Assert.Null(next.Route(Lead("lead-9"), At("2026-01-05T11:30:00Z")).RepId);
    }

    // --- Working hours ---

    [Theory]
    [InlineData("2026-01-05T01:00:00Z", "rep-tokyo")]   // Tokyo 10:00 Mon; Madrid 02:00; New York 20:00 Sun
    [InlineData("2026-01-05T09:00:00Z", "rep-madrid")]  // Madrid 10:00; Tokyo 18:00; New York 04:00
    [InlineData("2026-01-05T18:00:00Z", "rep-newyork")] // New York 13:00; Madrid 19:00; Tokyo 03:00 Tue
    public void The_same_instant_goes_to_the_rep_whose_local_time_is_in_shift(string instant, string expected)
    {
        var router = new Router([], OneUnit, ThreeZones());

        var decision = router.Route(Lead("lead-1"), At(instant));

        Assert.Equal(expected, decision.RepId);
        Assert.Equal(2, decision.Explanation.ExcludedByReason["outside-working-hours"]);
        Assert.All(decision.Explanation.Excluded, e => Assert.Equal(Exclusion.OutsideWorkingHours, e.Reason));
    }

    [Fact]
    public void A_rep_outside_working_hours_is_excluded_and_the_lead_retries_at_the_next_shift_start()
    {
        var router = new Router([], OneUnit, ThreeZones());

        // Saturday 2026-01-10 12:00 UTC: nobody works. The first shift to start is Tokyo's Monday 09:00 (00:00 UTC),
        // before Madrid's (08:00 UTC) and New York's (14:00 UTC).
        var decision = router.Route(Lead("lead-1"), At("2026-01-10T12:00:00Z"));

        Assert.Null(decision.RepId);
        AssertUtc("2026-01-12T00:00:00Z", decision.RetryAt);
        Assert.Equal(
            [
                new ExcludedRep("rep-madrid", Exclusion.OutsideWorkingHours),
                new ExcludedRep("rep-newyork", Exclusion.OutsideWorkingHours),
                new ExcludedRep("rep-tokyo", Exclusion.OutsideWorkingHours),
            ],
            decision.Explanation.Excluded);
        Assert.Equal(new Dictionary<string, int> { ["outside-working-hours"] = 3 }, AsDictionary(decision.Explanation.ExcludedByReason));
    }

    [Fact]
    public void The_retry_is_the_earliest_shift_start_of_the_reps_left_out()
    {
        var router = new Router([], OneUnit, [Rep("rep-madrid") with { Calendar = NineToFive("Europe/Madrid") }, Rep("rep-newyork") with { Calendar = NineToFive("America/New_York") }]);

        // Monday 07:00 UTC: Madrid starts at 08:00 UTC, New York at 14:00 UTC.
        var decision = router.Route(Lead("lead-1"), At("2026-01-05T07:00:00Z"));

        Assert.Null(decision.RepId);
        AssertUtc("2026-01-05T08:00:00Z", decision.RetryAt);
    }

    [Theory]
    // Madrid: CET (UTC+1) until Sunday 2026-03-29, CEST (UTC+2) after: 09:00 local is 08:00 UTC, then 07:00 UTC.
    [InlineData("Europe/Madrid", "2026-03-27T07:30:00Z", "2026-03-27T08:00:00Z")]
    [InlineData("Europe/Madrid", "2026-03-27T17:00:00Z", "2026-03-30T07:00:00Z")]
    [InlineData("Europe/Madrid", "2026-03-30T06:30:00Z", "2026-03-30T07:00:00Z")]
    // New York: EDT (UTC−4) until Sunday 2026-11-01, EST (UTC−5) after: 09:00 local is 13:00 UTC, then 14:00 UTC.
    [InlineData("America/New_York", "2026-10-30T12:00:00Z", "2026-10-30T13:00:00Z")]
    [InlineData("America/New_York", "2026-10-30T22:00:00Z", "2026-11-02T14:00:00Z")]
    [InlineData("America/New_York", "2026-11-02T13:30:00Z", "2026-11-02T14:00:00Z")]
    public void Across_a_dst_change_the_shift_start_in_utc_moves_by_an_hour(string zone, string now, string retryAt)
    {
        var router = new Router([], OneUnit, [Rep("rep-a") with { Calendar = NineToFive(zone) }]);

        var decision = router.Route(Lead("lead-1"), At(now));

        Assert.Null(decision.RepId);
        Assert.Equal([new ExcludedRep("rep-a", Exclusion.OutsideWorkingHours)], decision.Explanation.Excluded);
        AssertUtc(retryAt, decision.RetryAt);
    }

    [Theory]
    [InlineData("Europe/Madrid", "2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z")]
    [InlineData("America/New_York", "2026-10-30T13:00:00Z", "2026-11-02T14:00:00Z")]
    public void Across_a_dst_change_the_rep_works_from_the_local_shift_start(string zone, string before, string after)
    {
        var reps = new[] { Rep("rep-a") with { Calendar = NineToFive(zone) } };

        Assert.Equal("rep-a", new Router([], OneUnit, reps).Route(Lead("lead-1"), At(before)).RepId);
        Assert.Equal("rep-a", new Router([], OneUnit, reps).Route(Lead("lead-2"), At(after)).RepId);
        Assert.Null(new Router([], OneUnit, reps).Route(Lead("lead-3"), At(after).AddTicks(-1)).RepId);
    }

    // --- Fairness over many leads ---

    [Theory]
    [InlineData(RoutingStrategy.RoundRobin)]
    [InlineData(RoutingStrategy.LeastLoaded)]
    [InlineData(RoutingStrategy.Weighted)]
    public void Two_hundred_equal_reps_over_10000_leads_share_them_evenly(RoutingStrategy strategy)
    {
        var reps = Enumerable.Range(0, 200).Select(i => Rep($"rep-{i:000}", capacity: Roomy)).ToList();
        var router = new Router([Rule("all", strategy)], OneUnit, reps);

        var counts = Counts(RouteMany(router, 10_000));

        var gini = Gini([.. reps.Select(r => counts.GetValueOrDefault(r.Id))]);
        Assert.True(gini <= 0.02, $"Gini {gini:0.0000} for {strategy}");
        Assert.Equal(10_000, counts.Values.Sum());
    }

    [Fact]
    public void Weights_2_1_1_over_10000_leads_give_shares_within_2_percent_of_the_weights()
    {
        var router = new Router([Rule("weighted", RoutingStrategy.Weighted)], OneUnit,
            [Rep("rep-a", capacity: Roomy) with { Weight = 2 }, Rep("rep-b", capacity: Roomy), Rep("rep-c", capacity: Roomy)]);

        var counts = Counts(RouteMany(router, 10_000));

        foreach (var (rep, share) in new[] { ("rep-a", 0.5), ("rep-b", 0.25), ("rep-c", 0.25) })
        {
            var actual = counts.GetValueOrDefault(rep) / 10_000.0;
            Assert.True(Math.Abs(actual - share) / share <= 0.02, $"{rep}: {actual:P2} against {share:P2}");
        }
    }

    [Fact]
    public void Gini_is_0_for_equal_counts_and_grows_with_inequality()
    {
        Assert.Equal(0, Gini([5, 5, 5, 5]), 9);
        Assert.Equal(0.75, Gini([0, 0, 0, 10]), 9);
        Assert.Equal(0.25, Gini([1, 3]), 9);
    }

    // --- Helpers ---

    /// <summary>Gini coefficient of non-negative counts: 0 when all are equal, (n − 1) / n when one has everything.</summary>
    private static double Gini(IReadOnlyList<int> counts)
    {
        var sorted = counts.Order().ToArray();
        double total = sorted.Sum();
        if (total == 0)
        {
            return 0;
        }

        double ranked = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            ranked += (i + 1) * (double)sorted[i];
        }

        var n = sorted.Length;
        return (2 * ranked / (n * total)) - ((n + 1.0) / n);
    }

    private static RoutingRep Rep(string id, int capacity = 100, int load = 0) => new(id, capacity, load);

    private static RoutingLead Lead(string id, Grade grade = Grade.Warm) => new(id, grade, 50, Now);

    private static AssignmentRule Rule(string id, RoutingStrategy strategy = RoutingStrategy.RoundRobin, RuleConditions? when = null, RulePool? pool = null, FairnessCap? cap = null) =>
        new() { Id = id, Name = $"Rule {id}", Strategy = strategy, When = when ?? new(), Pool = pool ?? new(), FairnessCap = cap };

    private static Dictionary<string, RuleState> Cursor(string cursor, string ruleId = AssignmentRule.DefaultId) =>
        new() { [ruleId] = new RuleState { Cursor = cursor } };

    private static Dictionary<string, int> Skills(params (string Skill, int Level)[] skills) =>
        skills.ToDictionary(s => s.Skill, s => s.Level, StringComparer.Ordinal);

    /// <summary>Routes <paramref name="count"/> warm leads at <paramref name="at"/> (default <see cref="Now"/>), returning the reps chosen.</summary>
    private static List<string?> RouteMany(Router router, int count, DateTimeOffset? at = null) =>
        [.. Enumerable.Range(0, count).Select(i => router.Route(Lead($"lead-{i}"), at ?? Now).RepId)];

    /// <summary>One pass as the service makes it: a Router over the reps and the stored state, <paramref name="count"/> leads, the state to store.</summary>
    private static (List<string?> Chosen, IReadOnlyDictionary<string, RuleState> State) RoutePass(
        IReadOnlyList<AssignmentRule> rules, IEnumerable<RoutingRep> reps, IReadOnlyDictionary<string, RuleState>? state, int count)
    {
        var router = new Router(rules, OneUnit, reps, state);
        return (RouteMany(router, count), router.States());
    }

    private static Dictionary<string, int> Counts(IEnumerable<string?> chosen) =>
        chosen.GroupBy(r => r ?? "(none)", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static int LongestRun(IReadOnlyList<string?> chosen, string rep)
    {
        int longest = 0, run = 0;
        foreach (var r in chosen)
        {
            run = r == rep ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    /// <summary>A plain dictionary of <paramref name="values"/>, which xunit compares key by key whatever the order.</summary>
    private static Dictionary<string, T> AsDictionary<T>(IReadOnlyDictionary<string, T> values) => new(values, StringComparer.Ordinal);

    /// <summary>Rule states as comparable text (records holding dictionaries compare them by reference).</summary>
    private static List<string> Describe(IReadOnlyDictionary<string, RuleState> states) =>
    [
        .. states.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
            $"{s.Key}: cursor {s.Value.Cursor}, window {s.Value.WindowStart:O}, credits {Join(s.Value.Credits)}, counts {Join(s.Value.WindowCounts)}"),
    ];

    private static string Join<T>(IReadOnlyDictionary<string, T> values) =>
        string.Join(" ", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => FormattableString.Invariant($"{v.Key}={v.Value}")));

    private static List<RoutingRep> ThreeZones() =>
    [
        Rep("rep-madrid") with { Calendar = NineToFive("Europe/Madrid") },
        Rep("rep-newyork") with { Calendar = NineToFive("America/New_York") },
        Rep("rep-tokyo") with { Calendar = NineToFive("Asia/Tokyo") },
    ];

    private static WorkingCalendar NineToFive(string zone)
    {
        WorkingShift[] week = [.. Weekdays.Select(d => new WorkingShift(d, new TimeOnly(9, 0), new TimeOnly(17, 0)))];
        var created = WorkingCalendar.TryCreate(zone, week, [], out var calendar, out var errors);
        Assert.True(created, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return calendar!;
    }

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>The same instant, and given in UTC (DateTimeOffset equality alone ignores the offset).</summary>
    private static void AssertUtc(string expected, DateTimeOffset? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(At(expected), actual.Value);
        Assert.Equal(TimeSpan.Zero, actual.Value.Offset);
    }
}
