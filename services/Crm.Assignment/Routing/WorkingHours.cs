using System.Globalization;
using Crm.Contracts.Api.Assignment;

namespace Crm.Assignment.Routing;

/// <summary>A rep's working hours as stored: IANA time zone, weekly shifts in local time, holidays (local dates).</summary>
public sealed record WorkingHours(string TimeZone, IReadOnlyList<WorkingShift> Week, IReadOnlyList<DateOnly> Holidays)
{
    private static readonly string[] DayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private const int MaxCachedCalendars = 10_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<WorkingHours, WorkingCalendar> Calendars = new();

    /// <summary>
    /// The calendar these hours describe (they were validated when set); built once per distinct set of hours and
    /// shared, since every routing pass asks for every rep's.
    /// </summary>
    public WorkingCalendar Calendar()
    {
        if (Calendars.TryGetValue(this, out var cached))
        {
            return cached;
        }

        if (!WorkingCalendar.TryCreate(TimeZone, Week, Holidays, out var calendar, out var errors))
        {
            throw new InvalidOperationException($"Stored working hours are invalid: {string.Join("; ", errors.SelectMany(e => e.Value))}");
        }

        if (Calendars.Count >= MaxCachedCalendars)
        {
            Calendars.Clear();
        }

        return Calendars.GetOrAdd(this, calendar);
    }

    public bool Equals(WorkingHours? other) =>
        other is not null && string.Equals(TimeZone, other.TimeZone, StringComparison.Ordinal)
        && Week.SequenceEqual(other.Week) && Holidays.SequenceEqual(other.Holidays);

    public override int GetHashCode() => HashCode.Combine(TimeZone, Week.Count, Holidays.Count);

    public WorkingHoursDocument ToDocument() => new()
    {
        TimeZone = TimeZone,
        Week = [.. Week.Select(s => new WorkingShiftDocument { Day = DayNames[(int)s.Day], From = Time(s.From), To = Time(s.To) })],
        Holidays = Holidays,
    };

    /// <summary>
    /// Reads and validates a request's working hours: every problem at once, under the request's field names
    /// (<c>timeZone</c>, <c>week[2].from</c>, <c>holidays[0]</c>). Null when there are errors.
    /// </summary>
    public static WorkingHours? Parse(WorkingHoursDocument request, Dictionary<string, string[]> errors)
    {
        var zone = request.TimeZone?.Trim();
        if (string.IsNullOrEmpty(zone))
        {
            errors["timeZone"] = ["Required: an IANA time zone id such as Europe/Madrid."];
        }

        var week = new List<WorkingShift>();
        var shifts = request.Week ?? [];
        var shapeOk = true;
        for (var i = 0; i < shifts.Count; i++)
        {
            var shift = shifts[i];
            var day = Array.IndexOf(DayNames, shift?.Day?.Trim().ToLowerInvariant());
            if (day < 0)
            {
                errors[$"week[{i}].day"] = ["Required: monday … sunday."];
            }

            var from = ParseTime(shift?.From, $"week[{i}].from", errors);
            var to = ParseTime(shift?.To, $"week[{i}].to", errors);
            if (day < 0 || from is null || to is null)
            {
                shapeOk = false;
                continue;
            }

            week.Add(new WorkingShift((DayOfWeek)day, from.Value, to.Value));
        }

        var holidays = request.Holidays ?? [];
        if (errors.Count > 0 || !shapeOk || zone is null)
        {
            // Still name a bad time zone with the other errors (every bad field at once).
            if (zone is not null && !WorkingCalendar.TryCreate(zone, [], [], out _, out var zoneErrors))
            {
                foreach (var (key, messages) in zoneErrors)
                {
                    errors[key.StartsWith("workingHours.", StringComparison.Ordinal) ? key["workingHours.".Length..] : key] = messages;
                }
            }

            return null;
        }

        if (!WorkingCalendar.TryCreate(zone, week, holidays, out _, out var calendarErrors))
        {
            foreach (var (key, messages) in calendarErrors)
            {
                errors[key.StartsWith("workingHours.", StringComparison.Ordinal) ? key["workingHours.".Length..] : key] = messages;
            }

            return null;
        }

        return new WorkingHours(zone, week, [.. holidays.Distinct().Order()]);
    }

    private static TimeOnly? ParseTime(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (TimeOnly.TryParseExact(value?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors[field] = ["Required: a local time HH:mm (00:00 as an end means midnight)."];
        return null;
    }

    private static string Time(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);
}
