using System.Globalization;
using Crm.Analytics.ReadModels;
using Crm.Analytics.Summary;
using Crm.ServiceDefaults.Http;

namespace Crm.Analytics.Kpis;

public enum Granularity
{
    Day,
    Week,
    Month,
}

/// <summary>What one KPI is computed from and which parameters it takes (the catalog of <c>/api/analytics/kpis/{kpi}</c>).</summary>
public sealed record KpiDefinition(string Name, string ReadModel, IReadOnlyList<string> GroupBys, IReadOnlyList<string> Parameters, bool MonthOnly = false);

/// <summary>Every KPI: its name (the path segment), its read model, its groupings and its own parameters.</summary>
public static class KpiCatalog
{
    public const string Conversion = "conversion";
    public const string CycleLength = "cycle-length";
    public const string SpeedToLead = "speed-to-lead";
    public const string Funnel = "funnel";
    public const string Sla = "sla";
    public const string RepActivity = "rep-activity";
    public const string Messages = "messages";
    public const string Service = "service";
    public const string Cac = "cac";
    public const string Ltv = "ltv";
    public const string Aov = "aov";
    public const string Retention = "retention";
    public const string RevenueByCampaign = "revenue-by-campaign";

    /// <summary>The lead KPIs' groupings; <c>segment</c>: the segments the lead's contact is a member of now (<see cref="SegmentGroups"/>).</summary>
    private static readonly string[] LeadGroups = ["channel", "source", "campaign", "rep", "team", SegmentGroups.GroupBy];
    /// <summary>The customer KPIs' groupings: the first touch's channel, source or campaign, or the customer's segments now.</summary>
    private static readonly string[] CustomerGroups = ["channel", "source", "campaign", SegmentGroups.GroupBy];

    public static readonly IReadOnlyList<KpiDefinition> All =
    [
        new(Conversion, ReadModel.LeadFacts, LeadGroups, []),
        new(CycleLength, ReadModel.LeadFacts, LeadGroups, []),
        new(SpeedToLead, ReadModel.LeadFacts, LeadGroups, []),
        new(Funnel, ReadModel.LeadFacts, LeadGroups, ["mode", "stages"]),
        new(Sla, ReadModel.LeadFacts, LeadGroups, []),
        new(RepActivity, ReadModel.Counters, ["rep"], []),
        new(Messages, ReadModel.MessageFacts, ["channel"], []),
        new(Service, ReadModel.Counters, ["channel", "rep"], []),
        new(Cac, ReadModel.LeadFacts, ["channel", "campaign"], ["currency"], MonthOnly: true),
        new(Ltv, ReadModel.Customers, CustomerGroups, ["currency"]),
        new(Aov, ReadModel.Customers, CustomerGroups, ["currency"]),
        new(Retention, ReadModel.Customers, CustomerGroups, ["days"]),
        new(RevenueByCampaign, ReadModel.Customers, ["campaign"], ["touch", "currency"]),
    ];

    public static KpiDefinition? Find(string? name) => All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal));
}

/// <summary>A parsed KPI request (pure parsing: <see cref="Parse"/>).</summary>
public sealed record KpiQuery
{
    public const string DefaultCurrency = "EUR";
    public const int DefaultRetentionDays = 90;
    public const int MaxRetentionDays = 3650;
    public const int MaxStages = 20;

    public required KpiDefinition Kpi { get; init; }
    public required DateOnly From { get; init; }
    public required DateOnly To { get; init; }
    public Granularity Granularity { get; init; } = Granularity.Day;
    public string? GroupBy { get; init; }
    /// <summary>Funnel: strict (stages in the given order) or any (each stage at any time).</summary>
    public bool Strict { get; init; } = true;
    /// <summary>Funnel: the stages in order (null: every stage the cohort reached, most reached first).</summary>
    public IReadOnlyList<string>? Stages { get; init; }
    /// <summary>Revenue by campaign: first touch (true) or last touch.</summary>
    public bool FirstTouch { get; init; } = true;
    /// <summary>Retention: a customer without an order in this many days is churned.</summary>
    public int Days { get; init; } = DefaultRetentionDays;
    public string Currency { get; init; } = DefaultCurrency;

    /// <summary>The first instant of the period (UTC midnight of <see cref="From"/>).</summary>
    public DateTimeOffset Start => new(From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The instant after the period (UTC midnight after <see cref="To"/>).</summary>
    public DateTimeOffset Until => new(To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public string GranularityName => Granularity.ToString().ToLowerInvariant();

    /// <summary>
    /// The request's parameters (strings as given, null when absent), checked together: every bad one is named in
    /// <paramref name="errors"/> (and null returned). A parameter the KPI does not take is an error too.
    /// </summary>
    public static KpiQuery? Parse(KpiDefinition kpi, IReadOnlyDictionary<string, string?> parameters, DateOnly today, ValidationErrors errors)
    {
        var period = SummaryPeriod.Parse(parameters.GetValueOrDefault("from"), parameters.GetValueOrDefault("to"), today, errors);
        var granularity = Granularity.Day;
        switch (parameters.GetValueOrDefault("granularity"))
        {
            case null or "day":
                break;
            case "week":
                granularity = Granularity.Week;
                break;
            case "month":
                granularity = Granularity.Month;
                break;
            default:
                errors.Add("granularity", "day, week or month.");
                break;
        }

        if (kpi.MonthOnly && parameters.GetValueOrDefault("granularity") is not "month")
        {
            errors.Add("granularity", $"{kpi.Name} is computed per calendar month (spend is entered per month): granularity=month.");
        }

        var groupBy = parameters.GetValueOrDefault("groupBy");
        if (groupBy is not null && !kpi.GroupBys.Contains(groupBy, StringComparer.Ordinal))
        {
            errors.Add("groupBy", $"{kpi.Name} groups by {string.Join(", ", kpi.GroupBys)} (or nothing).");
        }

        foreach (var name in new[] { "mode", "stages", "touch", "days", "currency" })
        {
            if (parameters.GetValueOrDefault(name) is not null && !kpi.Parameters.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(name, $"{kpi.Name} takes no '{name}'.");
            }
        }

        var strict = true;
        switch (parameters.GetValueOrDefault("mode"))
        {
            case null or "strict":
                break;
            case "any":
                strict = false;
                break;
            default:
                errors.Add("mode", "strict or any.");
                break;
        }

        var stages = ParseStages(parameters.GetValueOrDefault("stages"), errors);
        var firstTouch = true;
        switch (parameters.GetValueOrDefault("touch"))
        {
            case null or "first":
                break;
            case "last":
                firstTouch = false;
                break;
            default:
                errors.Add("touch", "first or last.");
                break;
        }

        var days = DefaultRetentionDays;
        if (parameters.GetValueOrDefault("days") is { } daysText
            && (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days < 1 || days > MaxRetentionDays))
        {
            errors.Add("days", $"A whole number of days from 1 to {MaxRetentionDays}.");
        }

        var currency = parameters.GetValueOrDefault("currency") ?? DefaultCurrency;
        if (currency is not { Length: 3 } || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("currency", "An ISO 4217 code (three upper-case letters).");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new KpiQuery
        {
            Kpi = kpi,
            From = period!.From,
            To = period.To,
            Granularity = granularity,
            // Revenue by campaign is always by campaign (of the first or last touch).
            GroupBy = groupBy ?? (kpi.Name == KpiCatalog.RevenueByCampaign ? "campaign" : null),
            Strict = strict,
            Stages = stages,
            FirstTouch = firstTouch,
            Days = days,
            Currency = currency,
        };
    }

    private static List<string>? ParseStages(string? text, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }

        var stages = text.Split(',').Select(s => s.Trim()).ToList();
        if (stages.Count > MaxStages || stages.Any(s => s.Length is 0 or > Counters.CounterRules.MaxKeyLength) || stages.Distinct(StringComparer.Ordinal).Count() != stages.Count)
        {
            errors.Add("stages", $"1 to {MaxStages} distinct stage names separated by commas (each 1-{Counters.CounterRules.MaxKeyLength} characters).");
            return null;
        }

        return stages;
    }
}
