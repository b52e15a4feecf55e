namespace Crm.Demo;

/// <summary>
/// When the demo's people submitted their forms: spread over the last <c>days</c> UTC days (today up to a minute ago
/// included, so the dashboard's default 30 days show them all), more on weekdays than at weekends, a little more towards
/// the end of the month (a campaign picking up), and within a day mostly in the working hours and the evening (times
/// in UTC for a central-European audience). Pure: the same seed and <c>now</c> give the same times.
/// </summary>
internal static class CaptureTimes
{
    /// <summary>The newest capture is at least this long before <c>now</c> (never in the future when it is sent).</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    /// <summary>Relative leads per day of the week: Monday busiest, Sunday quietest.</summary>
    private static readonly Dictionary<DayOfWeek, double> Weekdays = new()
    {
        [DayOfWeek.Monday] = 1.15,
        [DayOfWeek.Tuesday] = 1.1,
        [DayOfWeek.Wednesday] = 1.05,
        [DayOfWeek.Thursday] = 1.0,
        [DayOfWeek.Friday] = 0.9,
        [DayOfWeek.Saturday] = 0.55,
        [DayOfWeek.Sunday] = 0.45,
    };

    /// <summary>Relative leads per UTC hour 0-23: quiet at night, the lunch break and the evening busiest.</summary>
    private static readonly double[] Hours =
        [0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.6, 1.8, 1.8, 1.7, 1.9, 1.7, 1.5, 1.4, 1.5, 1.8, 2.0, 2.1, 1.8, 1.2, 0.7, 0.4];

    /// <summary>The relative weight of a whole day (weekday and the month's trend from 0.85 to 1.15).</summary>
    public static double DayWeight(DateOnly day, DateOnly today, int days) =>
        Weekdays[day.DayOfWeek] * (days <= 1 ? 1 : 1.15 - (0.3 * (today.DayNumber - day.DayNumber) / (days - 1)));

    /// <summary>
    /// <paramref name="count"/> capture times, oldest first, on the UTC days from <paramref name="days"/> − 1 days before
    /// <paramref name="now"/>'s day to that day, none later than <paramref name="now"/> − <see cref="Margin"/>.
    /// </summary>
    public static List<DateTimeOffset> Spread(Random random, DateTimeOffset now, int count, int days = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var latest = now.ToUniversalTime() - Margin;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var slots = new List<(DateTimeOffset Start, TimeSpan Length, double Weight)>();
        for (var back = days - 1; back >= 0; back--)
        {
            var day = today.AddDays(-back);
            var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            for (var hour = 0; hour < 24; hour++)
            {
                var start = midnight.AddHours(hour);
                // The hour still running today counts for its elapsed part only; later hours not at all.
                var length = latest - start < TimeSpan.FromHours(1) ? latest - start : TimeSpan.FromHours(1);
                if (length > TimeSpan.Zero)
                {
                    slots.Add((start, length, DayWeight(day, today, days) * Hours[hour] * length / TimeSpan.FromHours(1)));
                }
            }
        }

        if (slots.Count == 0)
        {
            // now is within the first minute of the only day: every capture a minute ago.
            return [.. Enumerable.Repeat(latest, count)];
        }

        var total = slots.Sum(s => s.Weight);
        var times = new List<DateTimeOffset>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble() * total;
            var slot = slots[^1];
            foreach (var candidate in slots)
            {
                if ((roll -= candidate.Weight) < 0)
                {
                    slot = candidate;
                    break;
                }
            }

            // Whole seconds, as sources report them.
            var offset = TimeSpan.FromSeconds(Math.Floor(random.NextDouble() * slot.Length.TotalSeconds));
            times.Add(slot.Start + offset);
        }

        times.Sort();
        return times;
    }
}
