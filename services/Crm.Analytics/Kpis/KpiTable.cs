using System.Globalization;

namespace Crm.Analytics.Kpis;

/// <summary>The values of one row or of the totals, by name (null: not defined, e.g. a rate of nothing).</summary>
public sealed class KpiValues : Dictionary<string, decimal?>
{
    public KpiValues()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A computed KPI table: value names in order, rows by period then group, and totals (pure result).</summary>
public sealed record KpiTable(IReadOnlyList<string> Names, IReadOnlyList<KpiTableRow> Rows, KpiValues Totals);

public sealed record KpiTableRow(DateOnly Period, string Group, KpiValues Values);

/// <summary>Periods, groups, statistics and rounding shared by every KPI (pure).</summary>
public static class KpiMath
{
    /// <summary>The group used when a KPI is not grouped.</summary>
    public const string All = "all";

    /// <summary>The first UTC day of the period (day, ISO week from Monday, or calendar month) <paramref name="day"/> falls in.</summary>
    public static DateOnly PeriodOf(DateOnly day, Granularity granularity) => granularity switch
    {
        Granularity.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        Granularity.Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    /// <summary>The last day of the period starting <paramref name="start"/>.</summary>
    public static DateOnly PeriodEnd(DateOnly start, Granularity granularity) => granularity switch
    {
        Granularity.Week => start.AddDays(6),
        Granularity.Month => start.AddMonths(1).AddDays(-1),
        _ => start,
    };

    public static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>Nearest-rank percentile: the value at rank ⌈p/100 × n⌉ of the values in ascending order (null for none).</summary>
    public static decimal? Percentile(IEnumerable<decimal> values, int p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p / 100m * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary><paramref name="part"/> / <paramref name="whole"/> × 100, or null when <paramref name="whole"/> is 0.</summary>
    public static decimal? Rate(decimal part, decimal whole) => whole == 0 ? null : part * 100m / whole;

    public static decimal? Ratio(decimal part, decimal whole) => whole == 0 ? null : part / whole;

    /// <summary>Two decimals, half away from zero (what the API answers).</summary>
    public static decimal? Round(decimal? value) => value is { } v ? Math.Round(v, 2, MidpointRounding.AwayFromZero) : null;

    /// <summary>
    /// Groups <paramref name="items"/> by period and group, computes each row's values and the totals with
    /// <paramref name="compute"/> (on the items themselves, never by adding rows up), every value rounded.
    /// </summary>
    public static KpiTable Table<T>(
        KpiQuery query,
        IReadOnlyList<string> names,
        IEnumerable<T> items,
        Func<T, DateOnly> day,
        Func<T, string> group,
        Func<IReadOnlyList<T>, KpiValues> compute) =>
        Table(query, names, items, day, i => [group(i)], compute);

    /// <summary>
    /// As above, where an item may fall in several groups (<c>groupBy=segment</c>: every segment of its contact): it counts
    /// in each of its groups' rows, so rows overlap, and once in the totals (computed over the distinct items).
    /// </summary>
    public static KpiTable Table<T>(
        KpiQuery query,
        IReadOnlyList<string> names,
        IEnumerable<T> items,
        Func<T, DateOnly> day,
        Func<T, IReadOnlyList<string>> groups,
        Func<IReadOnlyList<T>, KpiValues> compute)
    {
        var list = items.Where(i => day(i) >= query.From && day(i) <= query.To).ToList();
        var rows = list
            .SelectMany(i => groups(i).Distinct(StringComparer.Ordinal).Select(g => (Key: (Period: PeriodOf(day(i), query.Granularity), Group: g), Item: i)))
            .GroupBy(x => x.Key, x => x.Item)
            .OrderBy(g => g.Key.Period).ThenBy(g => g.Key.Group, StringComparer.Ordinal)
            .Select(g => new KpiTableRow(g.Key.Period, g.Key.Group, Rounded(compute(g.ToList()))))
            .ToList();
        return new KpiTable(names, rows, Rounded(compute(list)));
    }

    public static KpiValues Rounded(KpiValues values)
    {
        var rounded = new KpiValues();
        foreach (var (name, value) in values)
        {
            rounded[name] = Round(value);
        }

        return rounded;
    }

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
