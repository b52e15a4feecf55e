using Crm.ServiceDefaults.Time;
using Xunit;

namespace Crm.ServiceDefaults.Tests.Time;

public sealed class TimeZonesTests
{
    private static readonly TimeZoneInfo Berlin = TimeZones.Find("Europe/Berlin")!;

    private static long Local(int year, int month, int day, int hour, int minute = 0) => new DateTime(year, month, day, hour, minute, 0).Ticks;

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    [Fact]
    public void A_plain_wall_clock_time_has_one_instant()
    {
        var found = TimeZones.Occurrences(Berlin, Local(2026, 1, 15, 9));

        Assert.Equal([new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero)], found.Select(Utc));
    }

    [Fact]
    public void A_time_shown_twice_at_the_fall_back_has_two_instants_earliest_first()
    {
        // 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 is shown at 00:30 and 01:30 UTC.
        var found = TimeZones.Occurrences(Berlin, Local(2026, 10, 25, 2, 30));

        Assert.Equal([new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero)], found.Select(Utc));
        Assert.Equal(found[0], TimeZones.LocalToUtc(Berlin, Local(2026, 10, 25, 2, 30)));
    }

    [Fact]
    public void A_time_the_spring_forward_skips_is_reached_at_the_end_of_the_gap()
    {
        // 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 never shows; the gap ends at 01:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), Utc(TimeZones.LocalToUtc(Berlin, Local(2026, 3, 29, 2, 30))));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("/usr/share/zoneinfo/UTC")]
    [InlineData("Europe/Berlin; rm -rf")]
    public void Unknown_or_unsafe_names_find_no_zone(string? id) => Assert.Null(TimeZones.Find(id));
}
