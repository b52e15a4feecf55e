using Crm.Analytics.Counters;
using Crm.Analytics.Kpis;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Leads;

/// <summary>
/// The capture cohort of one UTC day in one group of one dimension (a document of <c>lead_cohorts</c>): how many leads
/// captured that day fall in the group, and how many of them are won now. Its id is <c>{day}|{dimension}|{group}</c>;
/// only atomic increments change it (an upsert by id, by what a lead fact's write changed), so concurrent writes of
/// different leads add up. The conversion KPI reads these instead of every lead fact of the period.
/// </summary>
public sealed record LeadCohort : IDocument
{
    public required string Id { get; init; }
    /// <summary>UTC capture day as yyyy-MM-dd.</summary>
    public required string Day { get; init; }
    /// <summary><c>all</c>, <c>channel</c>, <c>source</c>, <c>campaign</c>, <c>rep</c> or <c>team</c>.</summary>
    public required string Dimension { get; init; }
    /// <summary>The group within the dimension, as <see cref="LeadKpis.GroupOf"/> names it.</summary>
    public required string Group { get; init; }
    public int Leads { get; init; }
    public int Won { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(DateOnly day, string dimension, string group) => $"{Days.ToText(day)}|{dimension}|{group}";

    /// <summary>The cohort before its first lead: what an increment inserts (with the increment applied) when it is new.</summary>
    public static LeadCohort Seed(CohortChange change) => new()
    {
        Id = IdOf(change.Day, change.Dimension, change.Group),
        Day = Days.ToText(change.Day),
        Dimension = change.Dimension,
        Group = change.Group,
    };
}

/// <summary>What one lead fact's write adds to (or takes from) one cohort.</summary>
public sealed record CohortChange(DateOnly Day, string Dimension, string Group, int Leads, int Won);

/// <summary>Which cohorts a lead fact counts in, and what a write of it changes (pure).</summary>
public static class LeadCohortRules
{
    /// <summary>The dimensions kept: the lead KPIs' groupings except <c>segment</c> (a contact's segments change without a lead event), and <c>all</c>.</summary>
    public static readonly IReadOnlyList<string> Dimensions = [KpiMath.All, "channel", "source", "campaign", "rep", "team"];

    /// <summary>Whether <paramref name="groupBy"/> (null: none) is served by the cohorts.</summary>
    public static bool Serves(string? groupBy) => Dimensions.Contains(groupBy ?? KpiMath.All, StringComparer.Ordinal);

    /// <summary>The cohort changes that take the counts from <paramref name="before"/> (null: a new lead) to <paramref name="after"/>.</summary>
    public static IReadOnlyList<CohortChange> Changes(LeadFact? before, LeadFact after)
    {
        var changes = new Dictionary<(DateOnly Day, string Dimension, string Group), (int Leads, int Won)>();
        Add(before, -1);
        Add(after, +1);
        return [.. changes.Where(c => c.Value != (0, 0)).Select(c => new CohortChange(c.Key.Day, c.Key.Dimension, c.Key.Group, c.Value.Leads, c.Value.Won))];

        void Add(LeadFact? fact, int sign)
        {
            if (fact?.CapturedAt is not { } captured)
            {
                return;
            }

            var day = KpiMath.Day(captured);
            foreach (var dimension in Dimensions)
            {
                var key = (day, dimension, LeadKpis.GroupOf(fact, dimension));
                var (leads, won) = changes.GetValueOrDefault(key);
                changes[key] = (leads + sign, won + (fact.IsWon ? sign : 0));
            }
        }
    }
}

/// <summary>The collection of cohorts: a KPI reads one dimension's days (index <c>dimension_day</c>).</summary>
public static class LeadCohortCollections
{
    public static readonly DocumentCollection<LeadCohort> Cohorts = new DocumentCollection<LeadCohort>("lead_cohorts")
        .Index("dimension_day", i => i.Asc(x => x.Dimension).Asc(x => x.Day).Asc(x => x.Id));
}

/// <summary>Every read and write of <c>lead_cohorts</c> (rendered by the catalog test).</summary>
public static class LeadCohortQueries
{
    /// <summary>The cohorts of <paramref name="dimension"/> captured on the days <paramref name="from"/> to <paramref name="to"/> (both included).</summary>
    public static Query<LeadCohort> Period(string dimension, DateOnly from, DateOnly to) =>
        LeadCohortCollections.Cohorts.Find(
                Filter<LeadCohort>.Eq(x => x.Dimension, dimension)
                & Filter<LeadCohort>.Gte(x => x.Day, Days.ToText(from))
                & Filter<LeadCohort>.Lte(x => x.Day, Days.ToText(to)))
            .OrderBy(x => x.Dimension)
            .ThenBy(x => x.Day);

    /// <summary>Adds the change to its cohort, creating it on first use (one atomic upsert by id).</summary>
    public static WriteOperation Add(CohortChange change) =>
        Write.Upsert(LeadCohortCollections.Cohorts, LeadCohort.Seed(change), new Update<LeadCohort>().Inc(x => x.Leads, change.Leads).Inc(x => x.Won, change.Won));
}
