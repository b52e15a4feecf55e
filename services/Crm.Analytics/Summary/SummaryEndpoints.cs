using Crm.Analytics.Counters;
using Crm.Contracts.Api.Analytics;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Summary;

public static class SummaryEndpoints
{
    public static RouteGroupBuilder MapSummaryEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/summary", GetAsync)
            .WithName("GetSummary")
            .WithSummary("Counts for a period")
            .WithDescription("Leads captured (by source and channel), scored (by grade) and assigned, and messages sent: totals over the period and per UTC day. Without `from` and `to`: the last 30 days up to today (UTC).")
            .WithParameterDescription("from", "First UTC day, `yyyy-MM-dd` (default: 29 days before `to`).")
            .WithParameterDescription("to", "Last UTC day, included, `yyyy-MM-dd` (default: today).")
            .Produces<SummaryResponse>()
            .ProducesValidationProblem();
        return group;
    }

    /// <summary><c>GET /api/analytics/summary?from=yyyy-MM-dd&amp;to=yyyy-MM-dd</c> (default: the last 30 days up to today, UTC).</summary>
    private static async Task<SummaryResponse> GetAsync(
        IDocumentStore store,
        TimeProvider time,
        string? from,
        string? to,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var period = SummaryPeriod.Parse(from, to, today, errors);
        errors.ThrowIfAny();
        var counters = await store.FindAsync(CounterQueries.Period(period!.From, period.To), cancellationToken);
        return SummaryBuilder.Build(period, counters.Select(c => c.ToDayCounter()));
    }
}
