using Crm.Analytics.Counters;
using Crm.Analytics.Leads;

namespace Crm.Analytics.Kpis;

/// <summary>The KPIs of lead facts (pure): conversion, cycle length, speed-to-lead, funnel, SLA and CAC.</summary>
public static class LeadKpis
{
    public const string Won = "won";

    /// <summary>Speed-to-lead histogram buckets: upper bounds in minutes (included), the last open.</summary>
    public static readonly IReadOnlyList<(string Name, double? UpToMinutes)> Buckets =
    [
        ("0-5m", 5), ("5-15m", 15), ("15-60m", 60), ("1-4h", 240), ("4-24h", 1440), ("24h+", null),
    ];

    public const string Untouched = "untouched";

    /// <summary>The group of a lead: its channel, source, campaign, owner or owner's team (<c>all</c> without grouping).</summary>
    public static string GroupOf(LeadFact lead, string? groupBy) => groupBy switch
    {
        "channel" => lead.Channel ?? "unknown",
        "source" => lead.Source ?? "unknown",
        "campaign" => lead.Campaign ?? "none",
        "rep" => lead.OwnerRepId ?? "unassigned",
        "team" => lead.OwnerTeamId ?? "none",
        _ => KpiMath.All,
    };

    /// <summary>
    /// The groups of a lead: with <c>groupBy=segment</c> every segment its contact is a member of now (<see cref="SegmentGroups"/>),
    /// else its one group (<see cref="GroupOf"/>).
    /// </summary>
    public static IReadOnlyList<string> GroupsOf(LeadFact lead, string? groupBy, SegmentGroups? segments) =>
        groupBy == SegmentGroups.GroupBy ? (segments ?? SegmentGroups.Empty).Of(lead.ContactId) : [GroupOf(lead, groupBy)];

    private static DateOnly CapturedDay(LeadFact lead) => KpiMath.Day(lead.CapturedAt!.Value);

    private static IEnumerable<LeadFact> Cohort(IEnumerable<LeadFact> leads) => leads.Where(l => l.CapturedAt is not null);

    /// <summary>Leads captured in the period (by capture day), won among them, and won / leads × 100.</summary>
    public static KpiTable Conversion(KpiQuery query, IEnumerable<LeadFact> captured, SegmentGroups? segments = null) =>
        KpiMath.Table(query, ConversionNames, Cohort(captured), CapturedDay, l => GroupsOf(l, query.GroupBy, segments), leads => ConversionValues(leads.Count, leads.Count(l => l.IsWon)));

    /// <summary>
    /// The same table from the capture cohorts of the query's grouping (<see cref="LeadCohortRules.Serves"/>; not
    /// <c>segment</c>): each lead is in one group of a dimension, so a row adds up its cohorts and the totals all of them.
    /// </summary>
    public static KpiTable Conversion(KpiQuery query, IEnumerable<LeadCohort> cohorts)
    {
        var dimension = query.GroupBy ?? KpiMath.All;
        var days = cohorts
            .Where(c => c.Dimension == dimension)
            .Select(c => (Day: Days.Parse(c.Day), Cohort: c))
            .Where(c => c.Day >= query.From && c.Day <= query.To)
            .ToList();
        var rows = days
            .GroupBy(c => (Period: KpiMath.PeriodOf(c.Day, query.Granularity), c.Cohort.Group))
            .Select(g => (g.Key, Leads: g.Sum(c => c.Cohort.Leads), Won: g.Sum(c => c.Cohort.Won)))
            .Where(r => r.Leads > 0)
            .OrderBy(r => r.Key.Period).ThenBy(r => r.Key.Group, StringComparer.Ordinal)
            .Select(r => new KpiTableRow(r.Key.Period, r.Key.Group, KpiMath.Rounded(ConversionValues(r.Leads, r.Won))))
            .ToList();
        return new KpiTable(ConversionNames, rows, KpiMath.Rounded(ConversionValues(days.Sum(c => c.Cohort.Leads), days.Sum(c => c.Cohort.Won))));
    }

    private static readonly string[] ConversionNames = ["leads", "won", "rate"];

    private static KpiValues ConversionValues(int leads, int won) =>
        new() { ["leads"] = leads, ["won"] = won, ["rate"] = KpiMath.Rate(won, leads) };

    /// <summary>Leads won in the period (by win day, still won), hours from capture to win: median and p90.</summary>
    public static KpiTable CycleLength(KpiQuery query, IEnumerable<LeadFact> won, SegmentGroups? segments = null) =>
        KpiMath.Table(query, ["won", "medianHours", "p90Hours"], won.Where(l => l.IsWon && l.CapturedAt is not null), l => KpiMath.Day(l.WonAt!.Value), l => GroupsOf(l, query.GroupBy, segments), leads =>
        {
            var hours = leads.Select(l => (decimal)(l.WonAt!.Value - l.CapturedAt!.Value).TotalHours).ToList();
            return new KpiValues { ["won"] = leads.Count, ["medianHours"] = KpiMath.Percentile(hours, 50), ["p90Hours"] = KpiMath.Percentile(hours, 90) };
        });

    /// <summary>Minutes from capture to the owner's first touch (0 when the touch came first), or null when the owner has not touched the lead.</summary>
    public static decimal? MinutesToFirstTouch(LeadFact lead) =>
        lead.FirstOwnerTouchAt is { } touch && lead.CapturedAt is { } captured
            ? (decimal)Math.Max(0, (touch - captured).TotalMinutes)
            : null;

    public static KpiTable SpeedToLead(KpiQuery query, IEnumerable<LeadFact> captured, SegmentGroups? segments = null)
    {
        string[] names = ["leads", "touched", "p50Minutes", "p90Minutes", "within5mRate", "within1hRate", .. Buckets.Select(b => b.Name), Untouched];
        return KpiMath.Table(query, names, Cohort(captured), CapturedDay, l => GroupsOf(l, query.GroupBy, segments), leads =>
        {
            var minutes = leads.Select(MinutesToFirstTouch).Where(m => m is not null).Select(m => m!.Value).ToList();
            var values = new KpiValues
            {
                ["leads"] = leads.Count,
                ["touched"] = minutes.Count,
                ["p50Minutes"] = KpiMath.Percentile(minutes, 50),
                ["p90Minutes"] = KpiMath.Percentile(minutes, 90),
                ["within5mRate"] = KpiMath.Rate(minutes.Count(m => m <= 5), leads.Count),
                ["within1hRate"] = KpiMath.Rate(minutes.Count(m => m <= 60), leads.Count),
            };
            double lower = double.NegativeInfinity;
            foreach (var (name, upTo) in Buckets)
            {
                var low = lower;
                values[name] = minutes.Count(m => (double)m > low && (upTo is not { } up || (double)m <= up));
                lower = upTo ?? double.PositiveInfinity;
            }

            values[Untouched] = leads.Count - minutes.Count;
            return values;
        });
    }

    /// <summary>When the lead entered <paramref name="stage"/> (the pseudo-stage <c>won</c>: its win), or null.</summary>
    public static DateTimeOffset? Entered(LeadFact lead, string stage)
    {
        var entry = lead.Stages.FirstOrDefault(s => s.Stage == stage)?.At;
        if (stage == Won && lead.WonAt is { } won && (entry is null || won < entry))
        {
            return won;
        }

        return entry;
    }

    /// <summary>
    /// How many of <paramref name="stages"/> the lead reached in a row: strict — each stage entered, no earlier than the
    /// one before; any — counted per stage on its own (returns the stages reached as flags).
    /// </summary>
    public static bool[] Reached(LeadFact lead, IReadOnlyList<string> stages, bool strict)
    {
        var reached = new bool[stages.Count];
        DateTimeOffset? previous = null;
        for (var i = 0; i < stages.Count; i++)
        {
            var at = Entered(lead, stages[i]);
            if (!strict)
            {
                reached[i] = at is not null;
                continue;
            }

            if (at is null || (previous is { } p && at < p))
            {
                break;
            }

            reached[i] = true;
            previous = at;
        }

        return reached;
    }

    /// <summary>The funnel's stages: those asked for, else every stage the cohort entered (and <c>won</c>), most reached first, then by name.</summary>
    public static IReadOnlyList<string> FunnelStages(KpiQuery query, IEnumerable<LeadFact> cohort)
    {
        if (query.Stages is { } stages)
        {
            return stages;
        }

        return cohort
            .SelectMany(l => l.Stages.Select(s => s.Stage).Concat(l.WonAt is null ? [] : [Won]).Distinct(StringComparer.Ordinal))
            .GroupBy(s => s, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .ToList();
    }

    /// <summary>Per stage: leads that reached it, and dropped = reached it but not the next stage (the last stage: 0).</summary>
    public static KpiTable Funnel(KpiQuery query, IEnumerable<LeadFact> captured, SegmentGroups? segments = null)
    {
        var cohort = Cohort(captured).Where(l => KpiMath.Day(l.CapturedAt!.Value) >= query.From && KpiMath.Day(l.CapturedAt.Value) <= query.To).ToList();
        var stages = FunnelStages(query, cohort);
        string[] names = ["leads", .. stages.SelectMany(s => new[] { $"reached:{s}", $"dropped:{s}" })];
        return KpiMath.Table(query, names, cohort, CapturedDay, l => GroupsOf(l, query.GroupBy, segments), leads =>
        {
            var flags = leads.Select(l => Reached(l, stages, query.Strict)).ToList();
            var values = new KpiValues { ["leads"] = leads.Count };
            for (var i = 0; i < stages.Count; i++)
            {
                var index = i;
                var reached = flags.Count(f => f[index]);
                var next = index + 1 < stages.Count ? flags.Count(f => f[index] && f[index + 1]) : reached;
                values[$"reached:{stages[i]}"] = reached;
                values[$"dropped:{stages[i]}"] = reached - next;
            }

            return values;
        });
    }

    /// <summary>
    /// Assigned leads captured in the period: breached (a first-contact SLA breach), met (the owner touched it and no
    /// breach), pending (neither yet); compliance = met / (met + breached) × 100.
    /// </summary>
    public static KpiTable Sla(KpiQuery query, IEnumerable<LeadFact> captured, SegmentGroups? segments = null) =>
        KpiMath.Table(query, ["assigned", "met", "breached", "pending", "compliance"], Cohort(captured).Where(l => l.OwnerRepId is not null), CapturedDay, l => GroupsOf(l, query.GroupBy, segments), leads =>
        {
            var breached = leads.Count(l => l.SlaBreaches.Any(b => b.Sla == LeadFactRules.FirstContactSla));
            var met = leads.Count(l => l.SlaBreaches.All(b => b.Sla != LeadFactRules.FirstContactSla) && l.FirstOwnerTouchAt is not null);
            return new KpiValues
            {
                ["assigned"] = leads.Count,
                ["met"] = met,
                ["breached"] = breached,
                ["pending"] = leads.Count - met - breached,
                ["compliance"] = KpiMath.Rate(met, met + breached),
            };
        });

    /// <summary>One month and group of CAC: spend entered, leads won (new customers), spend / won.</summary>
    public sealed record CacItem(DateOnly Day, string Group, decimal Spend, bool Customer);

    /// <summary>
    /// CAC per month: the spend entered for the month (channel entries; with groupBy=campaign the campaign entries) in the
    /// query's currency, divided by the leads won that month (still won) of that channel or campaign.
    /// </summary>
    public static KpiTable Cac(KpiQuery query, IEnumerable<LeadFact> won, IEnumerable<Spend.SpendEntry> spend)
    {
        var dimension = query.GroupBy == "campaign" ? "campaign" : "channel";
        var items = won.Where(l => l.IsWon)
            .Select(l => new CacItem(KpiMath.Day(l.WonAt!.Value), GroupOf(l, query.GroupBy), 0m, true))
            .Concat(spend
                .Where(s => s.Dimension == dimension && s.Currency == query.Currency)
                .Select(s => new CacItem(Clamp(s.Month, query), query.GroupBy is null ? KpiMath.All : s.Key, s.Value, false)));
        return KpiMath.Table(query, ["spend", "customers", "cac"], items, i => i.Day, i => i.Group, list =>
        {
            var total = list.Sum(i => i.Spend);
            var customers = list.Count(i => i.Customer);
            return new KpiValues { ["spend"] = total, ["customers"] = customers, ["cac"] = KpiMath.Ratio(total, customers) };
        });
    }

    /// <summary>A month's spend counts in full on the month's first day within the period.</summary>
    private static DateOnly Clamp(DateOnly month, KpiQuery query) => month < query.From ? query.From : month;
}
