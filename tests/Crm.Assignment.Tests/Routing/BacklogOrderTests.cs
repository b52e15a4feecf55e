using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Contracts.Api;
using Xunit;

namespace Crm.Assignment.Tests.Routing;

public sealed class BacklogOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hot_is_served_before_warm_before_cold()
    {
        Assert.True(BacklogOrder.Rank(Grade.Hot) < BacklogOrder.Rank(Grade.Warm));
        Assert.True(BacklogOrder.Rank(Grade.Warm) < BacklogOrder.Rank(Grade.Cold));
    }

    [Fact]
    public void Within_a_grade_the_oldest_goes_first_then_the_lead_id()
    {
        var leads = new List<(Grade Grade, DateTimeOffset QueuedAt, string LeadId)>
        {
            (Grade.Cold, T0, "c1"),
            (Grade.Hot, T0.AddMinutes(5), "h2"),
            (Grade.Warm, T0.AddMinutes(1), "w1"),
            (Grade.Hot, T0.AddMinutes(1), "h1b"),
            (Grade.Hot, T0.AddMinutes(1), "h1a"),
        };

        leads.Sort(BacklogOrder.Compare);

        Assert.Equal(["h1a", "h1b", "h2", "w1", "c1"], leads.Select(l => l.LeadId));
    }

    [Theory]
    [InlineData("hot", Grade.Hot)]
    [InlineData("HOT", Grade.Hot)]
    [InlineData(" Warm ", Grade.Warm)]
    [InlineData("cold", Grade.Cold)]
    public void Grades_are_read_in_any_case(string value, Grade expected)
    {
        Assert.True(BacklogOrder.TryParseGrade(value, out var grade));
        Assert.Equal(expected, grade);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("lukewarm")]
    public void Unknown_grades_are_rejected(string? value) => Assert.False(BacklogOrder.TryParseGrade(value, out _));

    [Theory]
    [InlineData(Grade.Hot, "hot")]
    [InlineData(Grade.Warm, "warm")]
    [InlineData(Grade.Cold, "cold")]
    public void Grades_are_written_lower_case_and_read_back(Grade grade, string text)
    {
        Assert.Equal(text, BacklogOrder.Format(grade));
        Assert.Equal(grade, BacklogOrder.Parse(text));
    }
}

public sealed class CapacityChangeTests
{
    [Theory]
    [InlineData(false, 0, true, 3, true)] // created / activated
    [InlineData(false, 3, true, 3, true)] // activated
    [InlineData(true, 3, true, 4, true)] // capacity raised
    [InlineData(true, 3, true, 3, false)] // renamed
    [InlineData(true, 3, true, 2, false)] // capacity cut
    [InlineData(true, 3, false, 3, false)] // deactivated
    [InlineData(false, 3, false, 9, false)] // raised while inactive
    public void The_backlog_is_drained_only_when_capacity_may_have_freed(bool wasActive, int before, bool isActive, int after, bool expected) =>
        Assert.Equal(expected, CapacityChange.MayFreeCapacity(wasActive, before, isActive, after));
}

public sealed class RepTests
{
    private static readonly Rep Ann = new() { Id = "r1", Name = "Ann", Capacity = 3, Active = true, OpenLeads = 2, CreatedAt = DateTimeOffset.UnixEpoch, Version = 4 };

    [Fact]
    public void An_empty_patch_changes_nothing()
    {
        var patched = Ann.Apply(new RepPatch(null, null, null));

        Assert.Equal(Ann, patched);
        Assert.False(Ann.SettingsDiffer(patched));
    }

    [Fact]
    public void A_patch_changes_only_what_it_names()
    {
        var patched = Ann.Apply(new RepPatch(null, 9, false));

        Assert.Equal(Ann with { Capacity = 9, Active = false }, patched);
        Assert.True(Ann.SettingsDiffer(patched));
    }

    [Fact]
    public void A_patch_to_the_same_values_is_no_change() =>
        Assert.False(Ann.SettingsDiffer(Ann.Apply(new RepPatch("Ann", 3, true))));

    [Fact]
    public void The_routing_view_carries_what_the_router_needs()
    {
        var routing = Ann.ToRouting();

        Assert.Equal(("r1", 3, 2, true, 1), (routing.Id, routing.Capacity, routing.Load, routing.Active, routing.Weight));
        Assert.Same(WorkingCalendar.Always, routing.Calendar);
    }

    [Theory]
    [InlineData("\"3\"", 3L)]
    [InlineData("W/\"3\"", 3L)]
    [InlineData("3", 3L)]
    [InlineData("*", null)]
    public void If_match_values_are_read(string header, long? expected)
    {
        Assert.True(RepEndpoints.TryParseIfMatch(header, out var version));
        Assert.Equal(expected, version);
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("\"-1\"")]
    [InlineData("\"1\", \"2\"")]
    public void Foreign_entity_tags_are_not_versions(string header) =>
        Assert.False(RepEndpoints.TryParseIfMatch(header, out _));
}
