using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.Analytics.Spend;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>The Analytics store's collection and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    private static readonly IReadOnlyList<IDocumentCollection> Collections =
    [
        CounterCollections.Counters, LeadFactCollections.LeadFacts, CustomerCollections.Customers, MessageFactCollections.MessageFacts, SpendCollections.Spend, WatermarkCollections.Watermarks,
        LiveCollections.LeadMinutes, LeadCohortCollections.Cohorts, EventLogCollections.Log,
    ];

    private static readonly IReadOnlyList<Type> Catalogs =
    [
        typeof(CounterQueries), typeof(LeadFactQueries), typeof(CustomerQueries), typeof(MessageFactQueries), typeof(SpendQueries), typeof(WatermarkQueries),
        typeof(LiveQueries), typeof(LeadCohortQueries), typeof(EventLogQueries),
    ];

    private static readonly Dictionary<Type, object> Samples = new()
    {
        [typeof(CounterKey)] = new CounterKey(Metric.LeadsBySource, "ads"),
        [typeof(CohortChange)] = new CohortChange(new DateOnly(2026, 11, 2), "rep", "r2", 1, -1),
    };

    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync("queries.approved.md", Collections, Catalogs, Samples);

    [Fact]
    public async Task Every_query_that_reads_is_served_by_an_index_on_SQLite()
    {
        var rendered = await QueryCatalog.RenderAsync(Collections, Catalogs, Samples);

        // "(none)": the upsert by id, which has no read step to plan.
        var plans = rendered.Split('\n').Where(l => l.StartsWith("SQLite plan:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(plans);
        Assert.All(plans, plan => Assert.True(plan.EndsWith("(none)", StringComparison.Ordinal) || (plan.Contains("USING INDEX", StringComparison.Ordinal) && !plan.Contains("TEMP B-TREE", StringComparison.Ordinal)), plan));
    }
}
