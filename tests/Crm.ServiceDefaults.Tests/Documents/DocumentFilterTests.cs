using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;
using static Crm.ServiceDefaults.Tests.Documents.SampleCollections;

namespace Crm.ServiceDefaults.Tests.Documents;

/// <summary>
/// Every operator of the filter language matches the same documents on both backends, with MongoDB's semantics:
/// an absent field is null, <c>ne</c> and <c>not in</c> match it, comparisons never do; strings compare by code
/// point, times by instant (milliseconds), longs exactly (beyond 2^53).
/// </summary>
public sealed class DocumentFilterTests
{
    private const long TwoTo53 = 9_007_199_254_740_992;

    /// <summary>a..e, chosen so every operator splits them differently.</summary>
    private static readonly Sample[] Seed =
    [
        Minimal("a", "alpha") with { Count = 1, Big = 10, Active = true, Tier = Tier.Gold, At = T0, Note = "n1", Tags = ["red", "blue"], Home = new Address("Lisboa", "1000"), Amount = 1.5m, Email = "a@example.com", Touched = T0 },
        Minimal("b", "bravo") with { Count = 2, Big = TwoTo53 + 1, Tier = Tier.Silver, At = T0.AddHours(1), Tags = ["blue"], Home = new Address("Porto", null), Amount = 2.25m, Touched = T0.AddHours(1) },
        Minimal("c", "charlie") with { Count = 3, Big = -5, Active = true, Tier = Tier.Bronze, At = T0.AddHours(2), Note = "n2", Amount = 100m, Email = "c@example.com" },
        Minimal("d", "delta") with { Count = 2, Big = 0, Tier = Tier.Gold, At = T0.AddDays(-1), Tags = ["green"], Home = new Address("Lisboa", null), Amount = -3.75m },
        Minimal("e", "Echo") with { Count = 5, Big = TwoTo53, Active = true, Tier = Tier.Silver, At = T0.AddMilliseconds(1), Note = "", Amount = 2.25m, Touched = T0.AddMinutes(-30) },
    ];

    public static TheoryData<Backend> Backends => TestStore.Backends;

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Eq_matches_equal_values_of_every_type(Backend backend) => VerifyAsync(
        backend,
        ("name = bravo", Filter<Sample>.Eq(x => x.Name, "bravo"), s => s.Name == "bravo"),
        ("count = 2", Filter<Sample>.Eq(x => x.Count, 2), s => s.Count == 2),
        ("big = 2^53 + 1", Filter<Sample>.Eq(x => x.Big, TwoTo53 + 1), s => s.Big == TwoTo53 + 1),
        ("active = false", Filter<Sample>.Eq(x => x.Active, false), s => !s.Active),
        ("tier = gold", Filter<Sample>.Eq(x => x.Tier, Tier.Gold), s => s.Tier == Tier.Gold),
        ("at = T0", Filter<Sample>.Eq(x => x.At, T0), s => s.At == T0),
        ("amount = 2.25", Filter<Sample>.Eq(x => x.Amount, 2.25m), s => s.Amount == 2.25m),
        ("home.city = Lisboa", Filter<Sample>.Eq(x => x.Home!.City, "Lisboa"), s => s.Home?.City == "Lisboa"),
        ("note = null (absent)", Filter<Sample>.Eq(x => x.Note, null), s => s.Note is null),
        ("id = c", Filter<Sample>.Eq(x => x.Id, "c"), s => s.Id == "c"));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Ne_matches_other_values_and_absent_fields(Backend backend) => VerifyAsync(
        backend,
        ("note <> n1", Filter<Sample>.Ne(x => x.Note, "n1"), s => s.Note != "n1"),
        ("active <> true", Filter<Sample>.Ne(x => x.Active, true), s => !s.Active),
        ("home.city <> Lisboa", Filter<Sample>.Ne(x => x.Home!.City, "Lisboa"), s => s.Home?.City != "Lisboa"),
        ("tier <> gold", Filter<Sample>.Ne(x => x.Tier, Tier.Gold), s => s.Tier != Tier.Gold),
        ("email <> null (present)", Filter<Sample>.Ne(x => x.Email, null), s => s.Email is not null));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Comparisons_order_numbers(Backend backend) => VerifyAsync(
        backend,
        ("count > 2", Filter<Sample>.Gt(x => x.Count, 2), s => s.Count > 2),
        ("count >= 2", Filter<Sample>.Gte(x => x.Count, 2), s => s.Count >= 2),
        ("count < 2", Filter<Sample>.Lt(x => x.Count, 2), s => s.Count < 2),
        ("count <= 2", Filter<Sample>.Lte(x => x.Count, 2), s => s.Count <= 2),
        ("big > 2^53", Filter<Sample>.Gt(x => x.Big, TwoTo53), s => s.Big > TwoTo53),
        ("big < 0", Filter<Sample>.Lt(x => x.Big, 0L), s => s.Big < 0),
        ("amount >= 2.25", Filter<Sample>.Gte(x => x.Amount, 2.25m), s => s.Amount >= 2.25m),
        ("amount < 0", Filter<Sample>.Lt(x => x.Amount, 0m), s => s.Amount < 0m));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Comparisons_order_strings_by_code_point(Backend backend) => VerifyAsync(
        backend,
        ("name > bravo", Filter<Sample>.Gt(x => x.Name, "bravo"), s => string.CompareOrdinal(s.Name, "bravo") > 0),
        ("name >= bravo", Filter<Sample>.Gte(x => x.Name, "bravo"), s => string.CompareOrdinal(s.Name, "bravo") >= 0),
        ("name < alpha (upper case sorts first)", Filter<Sample>.Lt(x => x.Name, "alpha"), s => string.CompareOrdinal(s.Name, "alpha") < 0),
        ("name <= bravo", Filter<Sample>.Lte(x => x.Name, "bravo"), s => string.CompareOrdinal(s.Name, "bravo") <= 0),
        ("home.city < M (absent never compares)", Filter<Sample>.Lt(x => x.Home!.City, "M"), s => s.Home is not null && string.CompareOrdinal(s.Home.City, "M") < 0));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Comparisons_order_times_by_instant(Backend backend) => VerifyAsync(
        backend,
        ("at > T0 (one millisecond later counts)", Filter<Sample>.Gt(x => x.At, T0), s => s.At > T0),
        ("at >= T0", Filter<Sample>.Gte(x => x.At, T0), s => s.At >= T0),
        ("at < T0", Filter<Sample>.Lt(x => x.At, T0), s => s.At < T0),
        ("at <= T0", Filter<Sample>.Lte(x => x.At, T0), s => s.At <= T0),
        ("touched < T0 + 1 min (absent never compares)", Filter<Sample>.Lt(x => x.Touched, T0.AddMinutes(1)), s => s.Touched < T0.AddMinutes(1)),
        ("touched >= T0", Filter<Sample>.Gte(x => x.Touched, T0), s => s.Touched >= T0));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task In_and_not_in_match_members_and_not_in_matches_absent_fields(Backend backend) => VerifyAsync(
        backend,
        ("name in (alpha, delta, zulu)", Filter<Sample>.In(x => x.Name, ["alpha", "delta", "zulu"]), s => s.Name is "alpha" or "delta"),
        ("tier in (silver, bronze)", Filter<Sample>.In(x => x.Tier, [Tier.Silver, Tier.Bronze]), s => s.Tier is Tier.Silver or Tier.Bronze),
        ("count in ()", Filter<Sample>.In(x => x.Count, []), _ => false),
        ("at in (T0, T0 + 2 h)", Filter<Sample>.In(x => x.At, [T0, T0.AddHours(2)]), s => s.At == T0 || s.At == T0.AddHours(2)),
        ("active in (false)", Filter<Sample>.In(x => x.Active, [false]), s => !s.Active),
        ("big in (2^53 + 1)", Filter<Sample>.In(x => x.Big, [TwoTo53 + 1]), s => s.Big == TwoTo53 + 1),
        ("id in (a, e, x)", Filter<Sample>.In(x => x.Id, ["a", "e", "x"]), s => s.Id is "a" or "e"),
        ("note not in (n1)", Filter<Sample>.NotIn(x => x.Note, ["n1"]), s => s.Note != "n1"),
        ("count not in (2)", Filter<Sample>.NotIn(x => x.Count, [2]), s => s.Count != 2),
        ("name not in ()", Filter<Sample>.NotIn(x => x.Name, []), _ => true),
        ("home.city not in (Porto)", Filter<Sample>.NotIn(x => x.Home!.City, ["Porto"]), s => s.Home?.City != "Porto"));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Exists_and_missing_tell_present_from_absent(Backend backend) => VerifyAsync(
        backend,
        ("note exists (an empty string is present)", Filter<Sample>.Exists(x => x.Note), s => s.Note is not null),
        ("note missing", Filter<Sample>.Missing(x => x.Note), s => s.Note is null),
        ("home exists", Filter<Sample>.Exists(x => x.Home), s => s.Home is not null),
        ("home missing", Filter<Sample>.Missing(x => x.Home), s => s.Home is null),
        ("home.zip missing (also when home is)", Filter<Sample>.Missing(x => x.Home!.Zip), s => s.Home?.Zip is null),
        ("active exists (false is present)", Filter<Sample>.Exists(x => x.Active), _ => true),
        ("tags exists (an empty list is present)", Filter<Sample>.Exists(x => x.Tags), _ => true),
        ("touched missing", Filter<Sample>.Missing(x => x.Touched), s => s.Touched is null));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task Contains_matches_an_element_of_an_array(Backend backend) => VerifyAsync(
        backend,
        ("tags contains blue", Filter<Sample>.Contains(x => x.Tags, "blue"), s => s.Tags.Contains("blue")),
        ("tags contains green", Filter<Sample>.Contains(x => x.Tags, "green"), s => s.Tags.Contains("green")),
        ("tags contains nope", Filter<Sample>.Contains(x => x.Tags, "nope"), _ => false));

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public Task And_and_or_nest(Backend backend) => VerifyAsync(
        backend,
        (
            "(active or silver) and count > 1",
            (Filter<Sample>.Eq(x => x.Active, true) | Filter<Sample>.Eq(x => x.Tier, Tier.Silver)) & Filter<Sample>.Gt(x => x.Count, 1),
            s => (s.Active || s.Tier == Tier.Silver) && s.Count > 1),
        (
            "(gold and home) or (no home and amount > 50)",
            Filter<Sample>.Or(
                Filter<Sample>.And(Filter<Sample>.Eq(x => x.Tier, Tier.Gold), Filter<Sample>.Exists(x => x.Home)),
                Filter<Sample>.And(Filter<Sample>.Missing(x => x.Home), Filter<Sample>.Gt(x => x.Amount, 50m))),
            s => (s.Tier == Tier.Gold && s.Home is not null) || (s.Home is null && s.Amount > 50m)),
        (
            "(count < 2 or count > 3) and (note or red)",
            (Filter<Sample>.Lt(x => x.Count, 2) | Filter<Sample>.Gt(x => x.Count, 3)) & (Filter<Sample>.Exists(x => x.Note) | Filter<Sample>.Contains(x => x.Tags, "red")),
            s => (s.Count < 2 || s.Count > 3) && (s.Note is not null || s.Tags.Contains("red"))),
        ("all or nothing-matching", Filter<Sample>.All | Filter<Sample>.Eq(x => x.Name, "none"), _ => true),
        ("all and bravo", Filter<Sample>.All & Filter<Sample>.Eq(x => x.Name, "bravo"), s => s.Name == "bravo"));

    /// <summary>Each filter matches (find and count) exactly the seed documents its predicate accepts.</summary>
    private static async Task VerifyAsync(Backend backend, params (string Name, Filter<Sample> Filter, Func<Sample, bool> Expected)[] cases)
    {
        await using var store = await TestStore.CreateAsync(backend, "defaults", Samples);
        await store.Store.CommitAsync(Seed.Select(s => Write.Insert(Samples, s)).ToList());

        var failures = new List<string>();
        foreach (var (name, filter, expected) in cases)
        {
            var want = string.Join(",", Seed.Where(expected).Select(s => s.Id).Order(StringComparer.Ordinal));
            var found = string.Join(",", (await store.Store.FindAsync(Samples.Find(filter))).Select(s => s.Id).Order(StringComparer.Ordinal));
            var counted = await store.Store.CountAsync(Samples, filter);
            if (found != want || counted != Seed.Count(expected))
            {
                failures.Add($"{name}: expected [{want}], found [{found}], counted {counted}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
