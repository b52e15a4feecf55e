using Crm.ServiceDefaults.Time;

namespace Crm.Messaging.Pressure;

/// <summary>
/// Time zones for the pressure rules, with <see cref="TimeZoneInfo"/> and the machine's IANA tzdata (no package: the
/// rules need only "what time is it there" and "when is that local time next", which TimeZoneInfo answers from UTC
/// offsets; Contacts validates zones and Assignment's working calendar computes with the same source).
/// </summary>
internal static class PressureZones
{
    /// <summary>The zone named <paramref name="id"/>, or null (<see cref="TimeZones.Find"/>).</summary>
    public static TimeZoneInfo? Find(string? id) => TimeZones.Find(id);

    /// <summary>The contact's zone, else the default, else UTC: never an exception.</summary>
    public static TimeZoneInfo Resolve(string? id, string? defaultId) => Find(id) ?? Find(defaultId) ?? TimeZoneInfo.Utc;

    /// <summary>Whether the wall clock in <paramref name="zone"/> at <paramref name="instant"/> is within [start, end).</summary>
    public static bool IsWithin(DateTimeOffset instant, TimeZoneInfo zone, TimeOnly start, TimeOnly end)
    {
        if (start == end)
        {
            return false;
        }

        var time = TimeOnly.FromTimeSpan(TimeZoneInfo.ConvertTime(instant, zone).TimeOfDay);
        return start < end ? time >= start && time < end : time >= start || time < end;
    }

    /// <summary>
    /// The first instant after <paramref name="instant"/> at which the wall clock in <paramref name="zone"/> shows
    /// <paramref name="time"/> (today's or tomorrow's). A time the zone skips (a spring-forward gap) is reached at the
    /// gap's end; a time it shows twice (fall-back) at its first occurrence still ahead.
    /// </summary>
    public static DateTimeOffset Next(DateTimeOffset instant, TimeZoneInfo zone, TimeOnly time)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
        for (var day = today.AddDays(-1); day <= today.AddDays(2); day = day.AddDays(1))
        {
            foreach (var candidate in Occurrences(day.ToDateTime(time), zone))
            {
                if (candidate > instant)
                {
                    return candidate;
                }
            }
        }

        return instant; // unreachable: a wall-clock time recurs within two days
    }

    /// <summary>The instants at which <paramref name="zone"/>'s wall clock shows <paramref name="local"/>, earliest first (<see cref="TimeZones.Occurrences"/>).</summary>
    internal static IEnumerable<DateTimeOffset> Occurrences(DateTime local, TimeZoneInfo zone) =>
        TimeZones.Occurrences(zone, local.Ticks).Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
