using Crm.Benchmarks;
using Xunit;

namespace Crm.Contacts.Tests.Consent;

/// <summary>The counting of <c>./crm bench consent-race</c> (benchmarks/Crm.Benchmarks/ConsentRaceCount.cs, linked).</summary>
public sealed class ConsentRaceCountTests
{
    private static readonly DateTimeOffset Committed = new(2026, 12, 1, 9, 0, 0, 500, TimeSpan.Zero);
    private static readonly DateTimeOffset Answered = Committed.AddMilliseconds(30);

    private static ConsentRace Race(string id, params double[] arrivalsMsFromCommit) =>
        new(id, Committed, Answered, [.. arrivalsMsFromCommit.Select(ms => Committed.AddTicks((long)(ms * TimeSpan.TicksPerMillisecond)))]);

    [Fact]
    public void Each_race_is_before_after_or_not_sent_and_the_goal_fails_on_one_after()
    {
        var count = ConsentRaceCount.Of(
        [
            Race("before", -12),
            Race("not-sent"),
            Race("after", 1),
            Race("after-answer", 31),
            Race("twice-before", -20, -5),
        ]);

        Assert.Equal(new ConsentRaceCount(Races: 5, SentBefore: 2, After: 2, NotSent: 1, AfterAnswer: 1, Duplicates: 1), count);
        Assert.False(count.GoalMet);
        Assert.StartsWith("[goal] consent-race: 5 races, 2 sent before, 2 after the withdrawal committed (goal 0: NOT met)", count.Lines().First(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_arrival_within_the_commits_millisecond_is_before_it_and_the_next_millisecond_is_after()
    {
        // The ledger's time is truncated to the millisecond: 0.9 ms later may still be the same instant's millisecond.
        var count = ConsentRaceCount.Of([Race("same-ms", 0.9), Race("next-ms", 1.0)]);

        Assert.Equal((1, 1), (count.SentBefore, count.After));
    }

    [Fact]
    public void No_arrival_after_its_commit_meets_the_goal()
    {
        var count = ConsentRaceCount.Of([Race("a", -1), Race("b"), Race("c", -300)]);

        Assert.True(count.GoalMet);
        Assert.Equal("[goal] consent-race: 3 races, 2 sent before, 0 after the withdrawal committed (goal 0: met)", count.Lines().First());
    }
}
