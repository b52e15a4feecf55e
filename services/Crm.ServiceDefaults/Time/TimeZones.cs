namespace Crm.ServiceDefaults.Time;

/// <summary>
/// IANA time zones from the machine's tzdata (<see cref="TimeZoneInfo"/>), for the rules that live in a person's wall
/// clock: a rep's working hours (Assignment), a contact's quiet hours (Messaging). Only UTC-to-offset lookups are used:
/// TimeZoneInfo's local-time methods (IsInvalidTime, IsAmbiguousTime) misread some transitions, e.g. a gap at midnight
/// (America/Asuncion 2011-10-02) or a skipped day (Pacific/Apia 2011-12-30).
/// </summary>
public static class TimeZones
{
    private static readonly long MaxTicks = DateTime.MaxValue.Ticks;

    /// <summary>The zone named <paramref name="id"/>, or null: unknown, or not a plain zone name (letters, digits, <c>/ _ - +</c>: input never reaches a path).</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || id.StartsWith('/') || id.Contains("..", StringComparison.Ordinal)
            || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+'))
        {
            return null;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
    }

    /// <summary>The UTC offset of <paramref name="zone"/> at the UTC instant <paramref name="utcTicks"/> (clamped to the calendar).</summary>
    public static long Offset(TimeZoneInfo zone, long utcTicks) =>
        zone.GetUtcOffset(new DateTime(Math.Clamp(utcTicks, 0, MaxTicks), DateTimeKind.Utc)).Ticks;

    /// <summary>
    /// The UTC instants (ticks) at which <paramref name="zone"/>'s wall clock shows <paramref name="localTicks"/>, earliest
    /// first: one usually, two in a fall-back overlap, and in a spring-forward gap (none shows it) the gap's end, the
    /// transition. Tries the offsets in force a day before and a day after.
    /// </summary>
    public static IReadOnlyList<long> Occurrences(TimeZoneInfo zone, long localTicks)
    {
        const long day = TimeSpan.TicksPerDay;
        var before = Offset(zone, localTicks - day);
        var after = Offset(zone, localTicks + day);
        if (before == after)
        {
            return [Math.Clamp(localTicks - before, 0, MaxTicks)];
        }

        var beforeFits = Offset(zone, localTicks - before) == before;
        var afterFits = Offset(zone, localTicks - after) == after;
        if (beforeFits && afterFits)
        {
            var (first, second) = (Math.Min(localTicks - before, localTicks - after), Math.Max(localTicks - before, localTicks - after));
            return [Math.Clamp(first, 0, MaxTicks), Math.Clamp(second, 0, MaxTicks)];
        }

        if (beforeFits || afterFits)
        {
            return [Math.Clamp(beforeFits ? localTicks - before : localTicks - after, 0, MaxTicks)];
        }

        // In the gap: the transition lies between the two candidates; find its exact tick.
        var (lo, hi) = (localTicks - after, localTicks - before);
        while (hi - lo > 1)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Offset(zone, mid) == after)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        return [Math.Clamp(hi, 0, MaxTicks)];
    }

    /// <summary>The first UTC instant (ticks) at which the wall clock shows <paramref name="localTicks"/> (an overlap's first occurrence, a gap's end).</summary>
    public static long LocalToUtc(TimeZoneInfo zone, long localTicks) => Occurrences(zone, localTicks)[0];
}
