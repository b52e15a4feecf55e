using Crm.Demo;
using Xunit;

namespace Crm.Demo.Tests;

/// <summary>The demo's capture times: within the dashboard's default 30 UTC days, none in the future, weekdays busier.</summary>
public sealed class CaptureTimesTests
{
    // A Tuesday afternoon.
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 14, 37, 12, TimeSpan.Zero);

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(300)]
    [InlineData(5000)]
    public void Every_time_is_within_the_last_30_utc_days_and_not_after_now_oldest_first(int seed)
    {
        var times = CaptureTimes.Spread(new Random(seed), Now, 2000);

        Assert.Equal(2000, times.Count);
        Assert.All(times, t => Assert.InRange(t, new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), Now - CaptureTimes.Margin));
        Assert.All(times, t => Assert.Equal(TimeSpan.Zero, t.Offset));
        Assert.Equal(times.Order(), times);
        // The dashboard's default period is today and the 29 days before: every one of them has leads.
        Assert.Equal(30, times.Select(Day).Distinct().Count());
    }

    [Theory]
    [InlineData(0, 0, 30)]
    [InlineData(0, 1, 5)]
    [InlineData(0, 0, 59)]
    [InlineData(23, 59, 59)]
    public void Just_after_midnight_today_has_few_or_none_and_still_none_in_the_future(int hour, int minute, int second)
    {
        var now = new DateTimeOffset(2026, 12, 1, hour, minute, second, TimeSpan.Zero);

        var times = CaptureTimes.Spread(new Random(3), now, 500);

        Assert.Equal(500, times.Count);
        Assert.All(times, t => Assert.True(t <= now - CaptureTimes.Margin, $"{t:O} is later than {now - CaptureTimes.Margin:O}"));
        Assert.All(times, t => Assert.True(Day(t) >= new DateOnly(2026, 11, 2), $"{t:O} is before the 30 days"));
    }

    [Fact]
    public void Weekdays_get_more_leads_than_weekends_and_the_night_fewer_than_the_day()
    {
        var times = CaptureTimes.Spread(new Random(11), Now, 30_000);

        // Only whole days (today is still running).
        var whole = times.Where(t => Day(t) < Day(Now)).ToList();
        double PerDay(Func<DateOnly, bool> which)
        {
            var days = Enumerable.Range(1, 29).Select(back => Day(Now).AddDays(-back)).Where(which).ToList();
            return (double)whole.Count(t => which(Day(t))) / days.Count;
        }

        var weekday = PerDay(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        var weekend = PerDay(d => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.True(weekday > weekend * 1.5, $"{weekday:0} a weekday, {weekend:0} a weekend day");

        var night = whole.Count(t => t.Hour is >= 1 and < 5);
        var evening = whole.Count(t => t.Hour is >= 17 and < 21);
        Assert.True(evening > night * 10, $"{evening} between 17 and 21 h, {night} between 1 and 5 h");
    }

    [Fact]
    public void The_same_seed_and_now_give_the_same_times()
    {
        Assert.Equal(CaptureTimes.Spread(new Random(5), Now, 100), CaptureTimes.Spread(new Random(5), Now, 100));
        Assert.NotEqual(CaptureTimes.Spread(new Random(5), Now, 100), CaptureTimes.Spread(new Random(6), Now, 100));
    }
}
