using System.Globalization;
using Crm.Assignment.Routing;
using Xunit;

namespace Crm.Assignment.Tests.Routing;

public sealed class WorkingCalendarTests
{
    private static readonly DayOfWeek[] Weekdays =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static readonly WorkingShift[] NineToFive = [.. Weekdays.Select(d => Shift(d, "09:00", "17:00"))];

    private static WorkingShift Shift(DayOfWeek day, string from, string to) =>
        new(day, TimeOnly.Parse(from, CultureInfo.InvariantCulture), TimeOnly.Parse(to, CultureInfo.InvariantCulture));

    private static DateOnly Date(string value) => DateOnly.Parse(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    private static WorkingCalendar Calendar(string zone, IEnumerable<WorkingShift> week, params DateOnly[] holidays)
    {
        var created = WorkingCalendar.TryCreate(zone, [.. week], holidays, out var calendar, out var errors);
        Assert.True(created, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        Assert.Empty(errors);
        return calendar!;
    }

    /// <summary>The same instant, and given in UTC (DateTimeOffset equality alone ignores the offset).</summary>
    private static void AssertUtc(string expected, DateTimeOffset? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(At(expected), actual.Value);
        Assert.Equal(TimeSpan.Zero, actual.Value.Offset);
    }

    // --- IsWorking ---

    [Theory]
    [InlineData("2026-01-05T08:59:59.9999999Z", false)]
    [InlineData("2026-01-05T09:00:00Z", true)]
    [InlineData("2026-01-05T16:59:59.9999999Z", true)]
    [InlineData("2026-01-05T17:00:00Z", false)]
    [InlineData("2026-01-09T12:00:00Z", true)]
    [InlineData("2026-01-10T12:00:00Z", false)]
    [InlineData("2026-01-11T12:00:00Z", false)]
    public void From_is_inclusive_and_To_is_exclusive(string instant, bool working) =>
        Assert.Equal(working, Calendar("UTC", NineToFive).IsWorking(At(instant)));

    [Theory]
    [InlineData("2026-01-09T16:59:59.9999999Z", false)]
    [InlineData("2026-01-09T17:00:00Z", true)]
    [InlineData("2026-01-09T22:59:59.9999999Z", true)]
    [InlineData("2026-01-09T23:00:00Z", false)]
    public void A_shift_until_midnight_ends_at_the_start_of_the_next_local_day(string instant, bool working) =>
        Assert.Equal(working, Calendar("Europe/Madrid", [Shift(DayOfWeek.Friday, "18:00", "00:00")]).IsWorking(At(instant)));

    [Fact]
    public void A_shift_from_midnight_to_midnight_is_the_whole_local_day()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Saturday, "00:00", "00:00")]);

        Assert.False(calendar.IsWorking(At("2026-01-09T22:59:59.9999999Z")));
        Assert.True(calendar.IsWorking(At("2026-01-09T23:00:00Z")));
        Assert.True(calendar.IsWorking(At("2026-01-10T22:59:59.9999999Z")));
        Assert.False(calendar.IsWorking(At("2026-01-10T23:00:00Z")));
        Assert.Equal(TimeSpan.FromHours(24), calendar.WorkingTimeBetween(At("2026-01-05T00:00:00Z"), At("2026-01-12T00:00:00Z")));
    }

    [Theory]
    [InlineData("America/New_York", "2026-01-05T13:59:59Z", false)]
    [InlineData("America/New_York", "2026-01-05T14:00:00Z", true)]
    [InlineData("America/New_York", "2026-01-05T21:59:59Z", true)]
    [InlineData("America/New_York", "2026-01-05T22:00:00Z", false)]
    [InlineData("America/New_York", "2026-07-06T12:59:59Z", false)]
    [InlineData("America/New_York", "2026-07-06T13:00:00Z", true)]
    [InlineData("America/New_York", "2026-07-06T21:00:00Z", false)]
    [InlineData("Europe/Madrid", "2026-01-05T07:59:59Z", false)]
    [InlineData("Europe/Madrid", "2026-01-05T08:00:00Z", true)]
    [InlineData("Europe/Madrid", "2026-01-05T16:00:00Z", false)]
    [InlineData("Europe/Madrid", "2026-07-06T07:00:00Z", true)]
    [InlineData("Europe/Madrid", "2026-07-06T14:59:59Z", true)]
    [InlineData("Europe/Madrid", "2026-07-06T15:00:00Z", false)]
    [InlineData("Asia/Kolkata", "2026-01-05T03:29:59Z", false)]
    [InlineData("Asia/Kolkata", "2026-01-05T03:30:00Z", true)]
    [InlineData("Asia/Kolkata", "2026-01-05T11:29:59Z", true)]
    [InlineData("Asia/Kolkata", "2026-01-05T11:30:00Z", false)]
    public void Shifts_are_in_the_rep_s_local_time(string zone, string instant, bool working) =>
        Assert.Equal(working, Calendar(zone, [Shift(DayOfWeek.Monday, "09:00", "17:00")]).IsWorking(At(instant)));

    [Fact]
    public void A_holiday_is_not_working()
    {
        var calendar = Calendar("Europe/Madrid", NineToFive, Date("2026-01-06"));

        Assert.True(calendar.IsWorking(At("2026-01-05T10:00:00Z")));
        Assert.False(calendar.IsWorking(At("2026-01-06T10:00:00Z")));
        Assert.True(calendar.IsWorking(At("2026-01-07T10:00:00Z")));
    }

    [Fact]
    public void A_holiday_is_a_local_date_that_starts_on_the_previous_utc_date_east_of_utc()
    {
        var week = new[] { Shift(DayOfWeek.Monday, "00:00", "00:00"), Shift(DayOfWeek.Tuesday, "00:00", "00:00") };
        var calendar = Calendar("Asia/Kolkata", week, Date("2026-01-06"));

        Assert.True(calendar.IsWorking(At("2026-01-05T18:29:59.9999999Z"))); // Monday 23:59:59 IST
        Assert.False(calendar.IsWorking(At("2026-01-05T18:30:00Z"))); // Tuesday 00:00 IST, still Monday in UTC
        Assert.False(calendar.IsWorking(At("2026-01-06T18:29:59Z")));
        AssertUtc("2026-01-11T18:30:00Z", calendar.NextWorkingStart(At("2026-01-05T18:30:00Z"))); // Monday 12th 00:00 IST
    }

    [Fact]
    public void A_holiday_is_a_local_date_that_ends_on_the_next_utc_date_west_of_utc()
    {
        var week = new[] { Shift(DayOfWeek.Monday, "18:00", "23:00") };
        var instant = At("2026-01-06T00:30:00Z"); // Monday 19:30 EST, Tuesday in UTC

        Assert.True(Calendar("America/New_York", week).IsWorking(instant));
        Assert.False(Calendar("America/New_York", week, Date("2026-01-05")).IsWorking(instant));
        Assert.True(Calendar("America/New_York", week, Date("2026-01-06")).IsWorking(instant));
    }

    [Fact]
    public void A_calendar_without_shifts_never_works()
    {
        var calendar = Calendar("Europe/Madrid", []);

        Assert.False(calendar.IsWorking(At("2026-01-05T10:00:00Z")));
        Assert.Null(calendar.NextWorkingStart(At("2026-01-05T10:00:00Z")));
        Assert.Equal(DateTimeOffset.MaxValue, calendar.AddWorkingTime(At("2026-01-05T10:00:00Z"), TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.Zero, calendar.WorkingTimeBetween(At("2026-01-05T00:00:00Z"), At("2027-01-05T00:00:00Z")));
    }

    // --- NextWorkingStart ---

    [Theory]
    [InlineData("2026-01-09T16:00:00Z")] // Friday 17:00 CET, the shift's end
    [InlineData("2026-01-10T12:00:00Z")] // Saturday
    [InlineData("2026-01-12T07:59:59Z")] // Monday 08:59:59 CET
    public void The_next_working_start_after_a_weekend_is_monday_morning(string instant) =>
        AssertUtc("2026-01-12T08:00:00Z", Calendar("Europe/Madrid", NineToFive).NextWorkingStart(At(instant)));

    [Fact]
    public void The_next_working_start_of_a_working_instant_is_the_instant_in_utc() =>
        AssertUtc("2026-01-12T08:00:00Z", Calendar("Europe/Madrid", NineToFive).NextWorkingStart(At("2026-01-12T09:00:00+01:00")));

    [Fact]
    public void The_next_working_start_skips_holidays()
    {
        var mondays = Enumerable.Range(0, 52).Select(w => Date("2026-01-05").AddDays(7 * w)).ToArray();
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Monday, "09:00", "17:00")], mondays);

        AssertUtc("2027-01-04T08:00:00Z", calendar.NextWorkingStart(At("2026-01-04T23:00:00Z")));
    }

    [Fact]
    public void There_is_no_next_working_start_when_every_shift_in_400_days_is_a_holiday()
    {
        var mondays = Enumerable.Range(0, 60).Select(w => Date("2026-01-05").AddDays(7 * w)).ToArray();
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Monday, "09:00", "17:00")], mondays);

        Assert.Null(calendar.NextWorkingStart(At("2026-01-04T23:00:00Z")));
    }

    // --- AddWorkingTime ---

    [Theory]
    [InlineData("UTC", "2026-01-09T16:00:00Z", "2026-01-19T16:00:00Z")]
    [InlineData("Europe/Madrid", "2026-01-09T15:00:00Z", "2026-01-19T15:00:00Z")]
    [InlineData("America/New_York", "2026-01-09T21:00:00Z", "2026-01-19T21:00:00Z")]
    public void Forty_eight_business_hours_from_friday_16_00_end_on_the_second_monday_at_16_00(string zone, string start, string end)
    {
        var calendar = Calendar(zone, NineToFive);

        AssertUtc(end, calendar.AddWorkingTime(At(start), TimeSpan.FromHours(48)));
        Assert.Equal(TimeSpan.FromHours(48), calendar.WorkingTimeBetween(At(start), At(end)));
    }

    [Fact]
    public void A_holiday_does_not_count_as_working_time()
    {
        var calendar = Calendar("Europe/Madrid", NineToFive, Date("2026-01-14"), Date("2026-01-17"));

        AssertUtc("2026-01-20T15:00:00Z", calendar.AddWorkingTime(At("2026-01-09T15:00:00Z"), TimeSpan.FromHours(48)));
    }

    [Fact]
    public void Working_time_that_runs_out_at_a_shift_s_end_ends_there_not_at_the_next_start() =>
        AssertUtc("2026-01-09T16:00:00Z", Calendar("Europe/Madrid", NineToFive).AddWorkingTime(At("2026-01-09T15:00:00Z"), TimeSpan.FromHours(1)));

    [Fact]
    public void Adding_working_time_from_outside_a_shift_starts_counting_at_the_next_shift() =>
        AssertUtc("2026-01-12T08:30:00Z", Calendar("Europe/Madrid", NineToFive).AddWorkingTime(At("2026-01-10T12:00:00Z"), TimeSpan.FromMinutes(30)));

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public void Adding_no_working_time_gives_the_start_in_utc(int minutes) =>
        AssertUtc("2026-01-10T11:00:00Z", Calendar("Europe/Madrid", NineToFive).AddWorkingTime(At("2026-01-10T12:00:00+01:00"), TimeSpan.FromMinutes(minutes)));

    // --- Daylight saving time ---

    [Fact]
    public void A_shift_across_the_spring_forward_gap_in_madrid_lasts_three_hours()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "01:00", "05:00")]);

        Assert.Equal(TimeSpan.FromHours(3), calendar.WorkingTimeBetween(At("2026-03-28T00:00:00Z"), At("2026-03-30T00:00:00Z")));
        AssertUtc("2026-03-29T00:00:00Z", calendar.NextWorkingStart(At("2026-03-28T12:00:00Z"))); // 01:00 CET
        AssertUtc("2026-03-29T01:00:00Z", calendar.AddWorkingTime(At("2026-03-28T12:00:00Z"), TimeSpan.FromHours(1))); // 03:00 CEST
        AssertUtc("2026-03-29T03:00:00Z", calendar.AddWorkingTime(At("2026-03-28T12:00:00Z"), TimeSpan.FromHours(3))); // 05:00 CEST
        Assert.True(calendar.IsWorking(At("2026-03-29T00:59:59Z")));
        Assert.True(calendar.IsWorking(At("2026-03-29T01:00:00Z")));
        Assert.False(calendar.IsWorking(At("2026-03-29T03:00:00Z")));
    }

    [Fact]
    public void A_shift_starting_inside_the_spring_forward_gap_starts_at_the_gap_s_end()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "02:30", "04:00")]);

        AssertUtc("2026-03-29T01:00:00Z", calendar.NextWorkingStart(At("2026-03-28T12:00:00Z"))); // 03:00 CEST
        Assert.Equal(TimeSpan.FromHours(1), calendar.WorkingTimeBetween(At("2026-03-28T00:00:00Z"), At("2026-03-30T00:00:00Z")));
    }

    [Fact]
    public void A_nine_to_five_shift_on_the_spring_forward_day_lasts_eight_hours()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "09:00", "17:00")]);

        AssertUtc("2026-03-29T07:00:00Z", calendar.NextWorkingStart(At("2026-03-29T00:00:00Z")));
        AssertUtc("2026-03-29T15:00:00Z", calendar.AddWorkingTime(At("2026-03-29T00:00:00Z"), TimeSpan.FromHours(8)));
    }

    [Fact]
    public void A_shift_across_the_fall_back_hour_in_madrid_lasts_five_hours()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "01:00", "05:00")]);

        Assert.Equal(TimeSpan.FromHours(5), calendar.WorkingTimeBetween(At("2026-10-24T00:00:00Z"), At("2026-10-26T00:00:00Z")));
        AssertUtc("2026-10-24T23:00:00Z", calendar.NextWorkingStart(At("2026-10-24T12:00:00Z"))); // 01:00 CEST
        AssertUtc("2026-10-25T01:00:00Z", calendar.AddWorkingTime(At("2026-10-24T12:00:00Z"), TimeSpan.FromHours(2))); // the second 02:00, CET
        AssertUtc("2026-10-25T04:00:00Z", calendar.AddWorkingTime(At("2026-10-24T12:00:00Z"), TimeSpan.FromHours(5))); // 05:00 CET
        Assert.True(calendar.IsWorking(At("2026-10-25T00:30:00Z"))); // the first 02:30
        Assert.True(calendar.IsWorking(At("2026-10-25T01:30:00Z"))); // the second 02:30
        Assert.False(calendar.IsWorking(At("2026-10-25T04:00:00Z")));
    }

    [Fact]
    public void A_shift_starting_in_the_repeated_hour_starts_at_its_first_occurrence()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "02:30", "05:00")]);

        AssertUtc("2026-10-25T00:30:00Z", calendar.NextWorkingStart(At("2026-10-24T22:00:00Z"))); // the first 02:30, CEST
        Assert.True(calendar.IsWorking(At("2026-10-25T01:15:00Z"))); // the second 02:15 is after the first 02:30
        Assert.Equal(TimeSpan.FromHours(3.5), calendar.WorkingTimeBetween(At("2026-10-24T00:00:00Z"), At("2026-10-26T00:00:00Z")));
    }

    [Fact]
    public void A_shift_ending_in_the_repeated_hour_ends_at_its_first_occurrence()
    {
        var calendar = Calendar("Europe/Madrid", [Shift(DayOfWeek.Sunday, "01:00", "02:30")]);

        Assert.True(calendar.IsWorking(At("2026-10-25T00:29:59Z"))); // the first 02:29:59
        Assert.False(calendar.IsWorking(At("2026-10-25T00:30:00Z"))); // the first 02:30
        Assert.False(calendar.IsWorking(At("2026-10-25T01:15:00Z"))); // the second 02:15: the shift has ended
        Assert.Equal(TimeSpan.FromHours(1.5), calendar.WorkingTimeBetween(At("2026-10-24T00:00:00Z"), At("2026-10-26T00:00:00Z")));
    }

    [Theory]
    [InlineData("2026-03-07T00:00:00Z", "2026-03-09T00:00:00Z", 3)] // 00:00 EST = 05:00Z to 04:00 EDT = 08:00Z
    [InlineData("2026-10-31T00:00:00Z", "2026-11-02T00:00:00Z", 5)] // 00:00 EDT = 04:00Z to 04:00 EST = 09:00Z
    public void A_midnight_to_four_shift_in_new_york_lasts_three_hours_in_spring_and_five_in_fall(string from, string to, int hours)
    {
        var sundays = Calendar("America/New_York", [Shift(DayOfWeek.Sunday, "00:00", "04:00")]);

        Assert.Equal(TimeSpan.FromHours(hours), sundays.WorkingTimeBetween(At(from), At(to)));
    }

    [Fact]
    public void New_york_transition_days_map_shift_ends_to_exact_instants()
    {
        var calendar = Calendar("America/New_York", [Shift(DayOfWeek.Sunday, "00:00", "04:00")]);

        AssertUtc("2026-03-08T07:30:00Z", calendar.AddWorkingTime(At("2026-03-08T05:00:00Z"), TimeSpan.FromHours(2.5))); // 03:30 EDT
        AssertUtc("2026-03-08T08:00:00Z", calendar.AddWorkingTime(At("2026-03-08T05:00:00Z"), TimeSpan.FromHours(3)));
        AssertUtc("2026-11-01T06:30:00Z", calendar.AddWorkingTime(At("2026-11-01T04:00:00Z"), TimeSpan.FromHours(2.5))); // the second 01:30, EST
        AssertUtc("2026-11-01T09:00:00Z", calendar.AddWorkingTime(At("2026-11-01T04:00:00Z"), TimeSpan.FromHours(5)));
    }

    [Theory]
    [InlineData("Europe/Madrid", "2026-03-27T15:00:00Z", 2, "2026-03-30T08:00:00Z")] // Fri 16:00 CET -> Mon 10:00 CEST
    [InlineData("Europe/Madrid", "2026-10-23T14:00:00Z", 2, "2026-10-26T09:00:00Z")] // Fri 16:00 CEST -> Mon 10:00 CET
    [InlineData("America/New_York", "2026-03-06T21:00:00Z", 9, "2026-03-09T21:00:00Z")] // Fri 16:00 EST -> Mon 17:00 EDT
    [InlineData("America/New_York", "2026-10-30T20:00:00Z", 2, "2026-11-02T15:00:00Z")] // Fri 16:00 EDT -> Mon 10:00 EST
    [InlineData("Europe/Madrid", "2026-03-20T15:00:00Z", 48, "2026-03-30T14:00:00Z")] // Fri 16:00 CET -> Mon 16:00 CEST
    [InlineData("America/New_York", "2026-10-23T20:00:00Z", 48, "2026-11-02T21:00:00Z")] // Fri 16:00 EDT -> Mon 16:00 EST
    public void Business_hours_across_a_dst_change_keep_to_local_nine_to_five(string zone, string start, int hours, string end)
    {
        var calendar = Calendar(zone, NineToFive);

        AssertUtc(end, calendar.AddWorkingTime(At(start), TimeSpan.FromHours(hours)));
        Assert.Equal(TimeSpan.FromHours(hours), calendar.WorkingTimeBetween(At(start), At(end)));
    }

    [Fact]
    public void A_gap_at_midnight_starts_a_midnight_shift_at_the_gap_s_end()
    {
        // Asuncion, 2011-10-02: 00:00 -04 became 01:00 -03 (TimeZoneInfo.IsInvalidTime misses this gap).
        var calendar = Calendar("America/Asuncion", [Shift(DayOfWeek.Sunday, "00:00", "02:00")]);

        AssertUtc("2011-10-02T04:00:00Z", calendar.NextWorkingStart(At("2011-10-01T12:00:00Z")));
        Assert.False(calendar.IsWorking(At("2011-10-02T03:30:00Z"))); // Saturday 23:30 -04
        Assert.Equal(TimeSpan.FromHours(1), calendar.WorkingTimeBetween(At("2011-10-01T00:00:00Z"), At("2011-10-03T00:00:00Z")));
    }

    [Fact]
    public void A_local_date_the_zone_skips_has_no_working_time()
    {
        // Apia skipped Friday 2011-12-30: Thursday 23:59:59 -10 was followed by Saturday 00:00 +14.
        var calendar = Calendar("Pacific/Apia", [Shift(DayOfWeek.Friday, "09:00", "17:00")]);

        Assert.Equal(TimeSpan.Zero, calendar.WorkingTimeBetween(At("2011-12-27T00:00:00Z"), At("2012-01-02T00:00:00Z")));
        AssertUtc("2012-01-05T19:00:00Z", calendar.NextWorkingStart(At("2011-12-29T00:00:00Z"))); // Friday 6th 09:00 +14
    }

    // --- WorkingTimeBetween against AddWorkingTime ---

    public static TheoryData<string, string> Starts() => new()
    {
        { "Europe/Madrid", "2026-01-01T00:00:00Z" },
        { "Europe/Madrid", "2026-03-27T16:45:00Z" },
        { "Europe/Madrid", "2026-03-29T00:30:00Z" },
        { "Europe/Madrid", "2026-10-24T23:45:00Z" },
        { "Europe/Madrid", "2026-10-25T01:10:00Z" },
        { "Europe/Madrid", "2026-12-24T12:34:56.789Z" },
        { "America/New_York", "2026-03-07T23:00:00Z" },
        { "America/New_York", "2026-11-01T05:30:00Z" },
        { "America/New_York", "2026-11-01T06:30:00Z" },
        { "Asia/Kolkata", "2026-05-15T10:00:00+05:30" },
    };

    [Theory]
    [MemberData(nameof(Starts))]
    public void Working_time_between_a_start_and_the_end_of_added_working_time_is_the_added_time(string zone, string start)
    {
        var calendar = Calendar(
            zone,
            [
                .. Weekdays.Select(d => Shift(d, "09:00", "13:00")),
                .. Weekdays.Select(d => Shift(d, "14:00", "18:00")),
                Shift(DayOfWeek.Saturday, "22:00", "00:00"),
                Shift(DayOfWeek.Sunday, "00:00", "05:00"),
            ],
            Date("2026-01-06"),
            Date("2026-04-03"),
            Date("2026-10-26"),
            Date("2026-11-02"),
            Date("2026-12-25"));
        TimeSpan[] durations =
        [
            TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(90), TimeSpan.FromHours(5), TimeSpan.FromHours(8),
            TimeSpan.FromHours(37.5), TimeSpan.FromHours(200), TimeSpan.FromHours(2000),
        ];

        foreach (var duration in durations)
        {
            var end = calendar.AddWorkingTime(At(start), duration);

            Assert.Equal(duration, calendar.WorkingTimeBetween(At(start), end));
            Assert.True(calendar.IsWorking(end.AddTicks(-1)), $"{duration} from {start} ends at {end:O}, not in working time");
        }
    }

    [Theory]
    [InlineData("Europe/Madrid", "2026-03-27T00:00:00Z")]
    [InlineData("Europe/Madrid", "2026-10-23T00:00:00Z")]
    [InlineData("America/New_York", "2026-03-06T00:00:00Z")]
    [InlineData("America/New_York", "2026-10-30T00:00:00Z")]
    public void An_instant_is_working_exactly_when_it_is_its_own_next_working_start(string zone, string from)
    {
        var calendar = Calendar(
            zone,
            [
                .. Weekdays.Select(d => Shift(d, "09:00", "17:00")),
                Shift(DayOfWeek.Saturday, "23:00", "00:00"),
                Shift(DayOfWeek.Sunday, "01:00", "02:30"),
                Shift(DayOfWeek.Sunday, "02:45", "03:15"),
            ]);

        for (var instant = At(from); instant < At(from).AddDays(5); instant = instant.AddMinutes(5))
        {
            Assert.Equal(calendar.NextWorkingStart(instant) == instant, calendar.IsWorking(instant));
        }
    }

    [Fact]
    public void Working_time_between_is_zero_when_to_is_not_after_from()
    {
        var calendar = Calendar("UTC", NineToFive);

        Assert.Equal(TimeSpan.Zero, calendar.WorkingTimeBetween(At("2026-01-05T12:00:00Z"), At("2026-01-05T12:00:00Z")));
        Assert.Equal(TimeSpan.Zero, calendar.WorkingTimeBetween(At("2026-01-05T12:00:00Z"), At("2026-01-05T10:00:00Z")));
    }

    // --- Validation ---

    [Fact]
    public void Validation_reports_every_problem_at_once()
    {
        WorkingShift[] week =
        [
            Shift(DayOfWeek.Monday, "17:00", "09:00"),
            Shift(DayOfWeek.Tuesday, "09:00", "12:00"),
            Shift(DayOfWeek.Tuesday, "11:00", "13:00"),
            Shift(DayOfWeek.Tuesday, "12:00", "12:00"),
            Shift(DayOfWeek.Wednesday, "00:00", "00:00"),
            Shift(DayOfWeek.Wednesday, "09:00", "10:00"),
            Shift(DayOfWeek.Thursday, "09:00", "12:00"),
            Shift(DayOfWeek.Thursday, "12:00", "00:00"),
        ];
        DateOnly[] holidays = [Date("2026-01-01"), Date("2026-01-06"), Date("2026-01-01")];

        var created = WorkingCalendar.TryCreate("Mars/Olympus_Mons", week, holidays, out var calendar, out var errors);

        Assert.False(created);
        Assert.Null(calendar);
        Assert.Equal(
            ["workingHours.holidays[2]", "workingHours.timeZone", "workingHours.week[0]", "workingHours.week[2]", "workingHours.week[3]", "workingHours.week[5]"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Overlaps workingHours.week[1] on Tuesday."], errors["workingHours.week[2]"]);
        Assert.Equal(["Overlaps workingHours.week[4] on Wednesday."], errors["workingHours.week[5]"]);
        Assert.Equal(["Duplicate of workingHours.holidays[0]."], errors["workingHours.holidays[2]"]);
    }

    [Fact]
    public void At_most_50_shifts_and_400_holidays()
    {
        var week = Enumerable.Range(0, 51).Select(i => new WorkingShift((DayOfWeek)(i % 7), new TimeOnly(i / 7, 0), new TimeOnly(i / 7, 30)));
        var holidays = Enumerable.Range(0, 401).Select(i => Date("2026-01-01").AddDays(i));

        var created = WorkingCalendar.TryCreate("Europe/Madrid", [.. week], [.. holidays], out _, out var errors);

        Assert.False(created);
        Assert.Equal(["workingHours.holidays", "workingHours.week"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.True(WorkingCalendar.TryCreate("Europe/Madrid", [.. week.Take(50)], [.. holidays.Take(400)], out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Europe/Atlantis")]
    [InlineData("../../etc/passwd")]
    [InlineData("/usr/share/zoneinfo/Europe/Madrid")]
    [InlineData("Europe/Madrid ")]
    public void An_unknown_time_zone_is_rejected(string zone)
    {
        Assert.False(WorkingCalendar.TryCreate(zone, NineToFive, [], out var calendar, out var errors));
        Assert.Null(calendar);
        Assert.Equal(["workingHours.timeZone"], errors.Keys);
    }

    [Fact]
    public void A_valid_calendar_keeps_its_zone_and_reports_no_errors()
    {
        Assert.True(WorkingCalendar.TryCreate("Asia/Kolkata", NineToFive, [Date("2026-01-26")], out var calendar, out var errors));
        Assert.Empty(errors);
        Assert.Equal("Asia/Kolkata", calendar.TimeZoneId);
    }

    // --- Always ---

    [Fact]
    public void Always_is_always_working_and_counts_every_instant()
    {
        var always = WorkingCalendar.Always;
        var start = At("2026-01-10T12:00:00+01:00");

        Assert.Equal("UTC", always.TimeZoneId);
        Assert.True(always.IsWorking(At("2026-01-10T03:00:00Z")));
        Assert.True(always.IsWorking(DateTimeOffset.MinValue));
        AssertUtc("2026-01-10T11:00:00Z", always.NextWorkingStart(start));
        AssertUtc("2026-01-12T11:00:00Z", always.AddWorkingTime(start, TimeSpan.FromHours(48)));
        Assert.Equal(DateTimeOffset.MaxValue, always.AddWorkingTime(start, TimeSpan.MaxValue));
        Assert.Equal(TimeSpan.FromHours(48), always.WorkingTimeBetween(start, start.AddHours(48)));
    }
}
