using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Crm.ServiceDefaults.Time;

namespace Crm.Assignment.Routing;

/// <summary>
/// A weekly shift in the rep's local wall-clock time, <see cref="From"/> inclusive, <see cref="To"/> exclusive.
/// <c>To</c> 00:00 means until midnight (the end of <see cref="Day"/>); otherwise <c>From &lt; To</c>.
/// </summary>
public sealed record WorkingShift(DayOfWeek Day, TimeOnly From, TimeOnly To);

/// <summary>
/// A rep's working hours: weekly shifts in an IANA time zone, minus holidays (local dates). Tells whether an instant
/// is working time and does working-time arithmetic (SLA clocks). Pure: no I/O, no clock; every result is in UTC.
/// </summary>
/// <remarks>
/// A shift runs from its start to its end mapped to instants as a wall clock does: a local time skipped by a
/// spring-forward gap maps to the gap's end, a local time repeated at fall-back to its first occurrence (the daylight
/// offset). So 01:00–05:00 lasts 3 h on a spring-forward day and 5 h on a fall-back day (Europe/Madrid).
/// </remarks>
public sealed class WorkingCalendar
{
    private const int MaxShifts = 50;
    private const int MaxHolidays = 400;
    private const int MaxDaysToNextStart = 400;
    private const int MaxDaysToWalk = 1_100;
    private const long TicksPerDay = TimeSpan.TicksPerDay;
    private static readonly long MaxTicks = DateTime.MaxValue.Ticks;
    private static readonly int MaxDayNumber = DateOnly.MaxValue.DayNumber;

    private readonly TimeZoneInfo _zone;
    private readonly Span[][] _shiftsByDay;
    private readonly HashSet<DateOnly> _holidays;
    private readonly bool _always;
    private readonly bool _hasShifts;

    /// <summary>
    /// The local day <see cref="IsWorking"/> looked at last (routing asks about "now" over and over). Immutable;
    /// threads may replace it concurrently, each reads a whole one.
    /// </summary>
    private Day? _lastDay;

    private WorkingCalendar(TimeZoneInfo zone, Span[][] shiftsByDay, HashSet<DateOnly> holidays, bool always)
    {
        _zone = zone;
        _shiftsByDay = shiftsByDay;
        _holidays = holidays;
        _always = always;
        _hasShifts = shiftsByDay.Any(s => s.Length > 0);
    }

    /// <summary>Always working (reps without working hours): every instant is working time; zone UTC.</summary>
    public static WorkingCalendar Always { get; } =
        new(TimeZoneInfo.Utc, [.. Enumerable.Repeat(Array.Empty<Span>(), 7)], [], always: true);

    /// <summary>The IANA id of the rep's time zone; <c>UTC</c> for <see cref="Always"/>.</summary>
    public string TimeZoneId => _zone.Id;

    /// <summary>
    /// Validates and builds a calendar. On failure <paramref name="errors"/> holds every problem at once, keyed by
    /// the API's field names: <c>workingHours.timeZone</c>, <c>workingHours.week</c>, <c>workingHours.week[i]</c>,
    /// <c>workingHours.holidays</c>, <c>workingHours.holidays[i]</c>. Never throws on bad input.
    /// </summary>
    public static bool TryCreate(
        string timeZoneId,
        IReadOnlyList<WorkingShift> week,
        IReadOnlyList<DateOnly> holidays,
        [NotNullWhen(true)] out WorkingCalendar? calendar,
        out Dictionary<string, string[]> errors)
    {
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string reason)
        {
            if (!problems.TryGetValue(field, out var reasons))
            {
                reasons = [];
                problems[field] = reasons;
            }

            reasons.Add(reason);
        }

        var zone = TimeZones.Find(timeZoneId);
        if (zone is null)
        {
            Add("workingHours.timeZone", "Unknown time zone; expected an IANA id such as Europe/Madrid.");
        }

        var shiftsByDay = ValidateWeek(week, Add);
        var holidaySet = ValidateHolidays(holidays, Add);

        if (problems.Count > 0 || zone is null)
        {
            calendar = null;
            errors = problems.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
            return false;
        }

        calendar = new WorkingCalendar(zone, shiftsByDay, holidaySet, always: false);
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        return true;
    }

    /// <summary>
    /// True when <paramref name="instant"/> falls inside a shift (start inclusive, end exclusive) on a local date that
    /// is not a holiday. Allocation-free while asked about the same local day as the previous call.
    /// </summary>
    public bool IsWorking(DateTimeOffset instant)
    {
        if (_always)
        {
            return true;
        }

        if (!_hasShifts)
        {
            return false;
        }

        var ticks = instant.UtcTicks;
        var day = _lastDay;
        if (day is null || ticks < day.Start || ticks >= day.End)
        {
            day = DayContaining(ticks);
            _lastDay = day;
        }

        foreach (var span in day.Working)
        {
            if (ticks >= span.From && ticks < span.To)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="instant"/> itself when it is working time, else the start of the next working period; null when
    /// the calendar has no shifts or every shift in the next 400 days falls on a holiday.
    /// </summary>
    public DateTimeOffset? NextWorkingStart(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        if (_always)
        {
            return Utc(ticks);
        }

        if (!_hasShifts)
        {
            return null;
        }

        var first = LocalDayNumber(ticks) - 1;
        var last = Math.Min(first + 1 + MaxDaysToNextStart, MaxDayNumber);
        for (var day = Math.Max(first, 0); day <= last; day++)
        {
            foreach (var shift in ShiftsOn(day))
            {
                var (from, to) = (ToUtc(day, shift.From), ToUtc(day, shift.To));
                if (to > ticks && from < to)
                {
                    return Utc(Math.Max(from, ticks));
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The instant at which <paramref name="duration"/> of working time has elapsed from <paramref name="start"/>
    /// (time outside shifts and on holidays does not count; ends at a shift's end rather than the next start).
    /// <paramref name="start"/> when <paramref name="duration"/> is zero or negative; <c>start + duration</c> for
    /// <see cref="Always"/>; <see cref="DateTimeOffset.MaxValue"/> without shifts or beyond 1,100 days.
    /// </summary>
    public DateTimeOffset AddWorkingTime(DateTimeOffset start, TimeSpan duration)
    {
        var ticks = start.UtcTicks;
        if (duration <= TimeSpan.Zero)
        {
            return Utc(ticks);
        }

        if (_always)
        {
            return duration.Ticks > MaxTicks - ticks ? DateTimeOffset.MaxValue : Utc(ticks + duration.Ticks);
        }

        if (!_hasShifts)
        {
            return DateTimeOffset.MaxValue;
        }

        var remaining = duration.Ticks;
        var first = LocalDayNumber(ticks) - 1;
        var last = Math.Min(first + MaxDaysToWalk, MaxDayNumber);
        for (var day = Math.Max(first, 0); day <= last; day++)
        {
            foreach (var shift in ShiftsOn(day))
            {
                var from = Math.Max(ToUtc(day, shift.From), ticks);
                var to = ToUtc(day, shift.To);
                if (to <= from)
                {
                    continue;
                }

                if (remaining <= to - from)
                {
                    return Utc(from + remaining);
                }

                remaining -= to - from;
            }
        }

        return DateTimeOffset.MaxValue;
    }

    /// <summary>
    /// The working time between <paramref name="from"/> and <paramref name="to"/> (zero when <c>to &lt;= from</c>);
    /// the inverse of <see cref="AddWorkingTime"/>.
    /// </summary>
    public TimeSpan WorkingTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }

        if (_always)
        {
            return to - from;
        }

        if (!_hasShifts)
        {
            return TimeSpan.Zero;
        }

        var (start, end) = (from.UtcTicks, to.UtcTicks);
        var total = 0L;
        var last = Math.Min(LocalDayNumber(end) + 1, MaxDayNumber);
        for (var day = Math.Max(LocalDayNumber(start) - 1, 0); day <= last; day++)
        {
            foreach (var shift in ShiftsOn(day))
            {
                var overlap = Math.Min(ToUtc(day, shift.To), end) - Math.Max(ToUtc(day, shift.From), start);
                if (overlap > 0)
                {
                    total += overlap;
                }
            }
        }

        return TimeSpan.FromTicks(total);
    }

    private static Span[][] ValidateWeek(IReadOnlyList<WorkingShift> week, Action<string, string> add)
    {
        if (week.Count > MaxShifts)
        {
            add("workingHours.week", $"At most {MaxShifts} shifts.");
        }

        var byDay = new List<(int Index, Span Span)>[7];
        for (var d = 0; d < 7; d++)
        {
            byDay[d] = [];
        }

        for (var i = 0; i < week.Count; i++)
        {
            var shift = week[i];
            var field = $"workingHours.week[{i}]";
            if (shift is null)
            {
                add(field, "Must not be null.");
                continue;
            }

            var valid = true;
            if (!Enum.IsDefined(shift.Day))
            {
                add(field, "Unknown day.");
                valid = false;
            }

            var to = shift.To == TimeOnly.MinValue ? TicksPerDay : shift.To.Ticks;
            if (shift.From.Ticks >= to)
            {
                add(field, $"From ({Format(shift.From)}) must be before To ({Format(shift.To)}); To 00:00 means until midnight.");
                valid = false;
            }

            if (valid)
            {
                byDay[(int)shift.Day].Add((i, new Span(shift.From.Ticks, to)));
            }
        }

        var result = new Span[7][];
        for (var d = 0; d < 7; d++)
        {
            var shifts = byDay[d].OrderBy(s => s.Span.From).ThenBy(s => s.Index).ToList();
            var (latestEnd, latestIndex) = (long.MinValue, -1);
            foreach (var (index, span) in shifts)
            {
                if (span.From < latestEnd)
                {
                    var (earlier, later) = (Math.Min(index, latestIndex), Math.Max(index, latestIndex));
                    add($"workingHours.week[{later}]", $"Overlaps workingHours.week[{earlier}] on {(DayOfWeek)d}.");
                }

                if (span.To > latestEnd)
                {
                    (latestEnd, latestIndex) = (span.To, index);
                }
            }

            result[d] = [.. shifts.Select(s => s.Span)];
        }

        return result;
    }

    private static HashSet<DateOnly> ValidateHolidays(IReadOnlyList<DateOnly> holidays, Action<string, string> add)
    {
        if (holidays.Count > MaxHolidays)
        {
            add("workingHours.holidays", $"At most {MaxHolidays} holidays.");
        }

        var firstIndex = new Dictionary<DateOnly, int>();
        for (var i = 0; i < holidays.Count; i++)
        {
            if (!firstIndex.TryAdd(holidays[i], i))
            {
                add($"workingHours.holidays[{i}]", $"Duplicate of workingHours.holidays[{firstIndex[holidays[i]]}].");
            }
        }

        return [.. firstIndex.Keys];
    }

    private static string Format(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(long ticks) => new(Math.Clamp(ticks, 0, MaxTicks), TimeSpan.Zero);

    /// <summary>The shifts of a local date (day number), none on a holiday.</summary>
    private Span[] ShiftsOn(int dayNumber)
    {
        var date = DateOnly.FromDayNumber(dayNumber);
        return _holidays.Count > 0 && _holidays.Contains(date) ? [] : _shiftsByDay[(int)date.DayOfWeek];
    }

    /// <summary>
    /// The local day whose span of instants holds <paramref name="ticks"/>, with its working spans. Usually the local
    /// date of the instant; the day before or after when a repeated hour puts the instant past a mapped midnight.
    /// </summary>
    private Day DayContaining(long ticks)
    {
        var dayNumber = LocalDayNumber(ticks);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var start = DayStart(dayNumber);
            var end = DayStart(dayNumber + 1);
            if (ticks < start && dayNumber > 0)
            {
                dayNumber--;
            }
            else if (ticks >= end && dayNumber < MaxDayNumber)
            {
                dayNumber++;
            }
            else
            {
                return new Day(start, end, WorkingSpans(dayNumber));
            }
        }

        return new Day(ticks, ticks + 1, WorkingSpans(dayNumber));
    }

    private Span[] WorkingSpans(int dayNumber) =>
    [
        .. ShiftsOn(dayNumber)
            .Select(s => new Span(ToUtc(dayNumber, s.From), ToUtc(dayNumber, s.To)))
            .Where(s => s.From < s.To),
    ];

    private long DayStart(int dayNumber) =>
        dayNumber <= 0 ? long.MinValue : dayNumber > MaxDayNumber ? long.MaxValue : LocalToUtc(dayNumber * TicksPerDay);

    private long ToUtc(int dayNumber, long timeOfDay) => LocalToUtc((dayNumber * TicksPerDay) + timeOfDay);

    private int LocalDayNumber(long utcTicks) => (int)(Math.Clamp(utcTicks + Offset(utcTicks), 0, MaxTicks) / TicksPerDay);

    private long Offset(long utcTicks) => TimeZones.Offset(_zone, utcTicks);

    /// <summary>Local wall-clock ticks to UTC ticks: an ambiguous time takes the first occurrence, a time in a gap the gap's end (<see cref="TimeZones.LocalToUtc"/>).</summary>
    private long LocalToUtc(long local) => TimeZones.LocalToUtc(_zone, local);

    /// <summary>From inclusive, To exclusive, in ticks: of the day (shifts) or UTC (working spans).</summary>
    private readonly record struct Span(long From, long To);

    /// <summary>A local day as instants [Start, End) in UTC ticks, and its working spans.</summary>
    private sealed record Day(long Start, long End, Span[] Working);
}
