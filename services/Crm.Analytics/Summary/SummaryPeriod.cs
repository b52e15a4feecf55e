using System.Globalization;
using Crm.Analytics.Counters;
using Crm.ServiceDefaults.Http;

namespace Crm.Analytics.Summary;

/// <summary>The days a summary covers, both included (pure: no I/O).</summary>
public sealed record SummaryPeriod(DateOnly From, DateOnly To)
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>
    /// <c>from</c>/<c>to</c> as yyyy-MM-dd. Defaults: <c>to</c> is <paramref name="today"/> (UTC), <c>from</c> is
    /// <see cref="DefaultDays"/> days up to <c>to</c>. Adds a field error for a bad date, <c>from</c> after <c>to</c>,
    /// or a period of more than <see cref="MaxDays"/> days, and then returns null.
    /// </summary>
    public static SummaryPeriod? Parse(string? from, string? to, DateOnly today, ValidationErrors errors)
    {
        var toDay = ParseDay(to, "to", errors) ?? today;
        var fromDay = ParseDay(from, "from", errors) ?? toDay.AddDays(-(DefaultDays - 1));
        if (!errors.IsEmpty)
        {
            return null;
        }

        if (fromDay > toDay)
        {
            errors.Add("from", "Must not be after 'to'.");
            return null;
        }

        var period = new SummaryPeriod(fromDay, toDay);
        if (period.Days > MaxDays)
        {
            errors.Add("from", $"The period may cover at most {MaxDays} days; this one covers {period.Days}.");
            return null;
        }

        return period;
    }

    private static DateOnly? ParseDay(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, Counters.Days.Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors.Add(field, "Must be a date as yyyy-MM-dd.");
        return null;
    }
}
