using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.Analytics.Spend;
using Crm.Contracts.Api.Analytics;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Kpis;

public static class KpiEndpoints
{
    public static RouteGroupBuilder MapKpiEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/kpis/{kpi}", GetAsync)
            .RequireAccess(Access.Read)
            .WithName("GetAnalyticsKpi")
            .WithSummary("A KPI as a table")
            .WithDescription("One KPI over a period, per period (`granularity`) and group (`groupBy`), with its totals and the watermark of the read model it " +
                "comes from (the latest event applied and its lag). Every KPI answers the same shape: `columns` (`period`, `group`, then the value names), " +
                "`rows` (`period` = first day of the day, ISO week or month; `group` = `all` without `groupBy`) and `totals.values` (computed over the whole " +
                "period, not added up from rows). KPIs (the path segment): `conversion`, `cycle-length`, `speed-to-lead`, `funnel`, `sla`, `rep-activity`, " +
                "`messages`, `service`, `cac`, `ltv`, `aov`, `retention`, `revenue-by-campaign` — each one's definition is in the Analytics README. " +
                "`format=csv` (or `Accept: text/csv`) answers the rows as CSV. Unknown KPI: 404. Bad or unused parameters: 400 naming each. Needs `analytics:read`.")
            .WithParameterDescription("kpi", "conversion, cycle-length, speed-to-lead, funnel, sla, rep-activity, messages, service, cac, ltv, aov, retention or revenue-by-campaign.")
            .WithParameterDescription("from", "First UTC day, `yyyy-MM-dd` (default: 29 days before `to`).")
            .WithParameterDescription("to", "Last UTC day, included, `yyyy-MM-dd` (default: today). At most 366 days.")
            .WithParameterDescription("granularity", "day (default), week (from Monday) or month; `cac` needs month.")
            .WithParameterDescription("groupBy", "channel, source, campaign, rep, team or segment (lead KPIs); rep (rep-activity); channel (messages); channel or rep (service); channel or campaign (cac); channel, source or campaign of the first touch, or segment (ltv, aov, retention); campaign (revenue-by-campaign, the default). " +
                "segment: the segments the lead's or customer's contact is a member of now (when read, not when the lead or order came), `none` for one in no segment; " +
                "a lead or customer counts in each of its segments, so rows overlap and do not add up: the totals count each lead or customer once.")
            .WithParameterDescription("mode", "funnel only: strict (default: the stages entered in the given order) or any (each stage at any time).")
            .WithParameterDescription("stages", "funnel only: the stages in order, comma-separated (default: every stage reached, most reached first; `won` is the win).")
            .WithParameterDescription("touch", "revenue-by-campaign only: first (default) or last touch.")
            .WithParameterDescription("days", "retention only: a customer without an order in this many days is churned (1-3650, default 90).")
            .WithParameterDescription("currency", "cac, ltv, aov, revenue-by-campaign: the ISO 4217 currency of the money counted (default EUR; other currencies are left out).")
            .WithParameterDescription("format", "json (default) or csv.")
            .Produces<KpiResponse>()
            .Produces<string>(StatusCodes.Status200OK, KpiCsv.ContentType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary><c>GET /api/analytics/kpis/{kpi}</c>.</summary>
    private static async Task<IResult> GetAsync(
        string kpi,
        HttpContext http,
        IDocumentStore store,
        TimeProvider time,
        string? from,
        string? to,
        string? granularity,
        string? groupBy,
        string? mode,
        string? stages,
        string? touch,
        string? days,
        string? currency,
        string? format,
        CancellationToken cancellationToken)
    {
        if (KpiCatalog.Find(kpi) is not { } definition)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such KPI.",
                detail: $"'{kpi}' is not a KPI; the KPIs are {string.Join(", ", KpiCatalog.All.Select(k => k.Name))}.");
        }

        var errors = new ValidationErrors();
        if (format is not (null or "json" or "csv"))
        {
            errors.Add("format", "json or csv.");
        }

        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["from"] = from, ["to"] = to, ["granularity"] = granularity, ["groupBy"] = groupBy, ["mode"] = mode,
            ["stages"] = stages, ["touch"] = touch, ["days"] = days, ["currency"] = currency,
        };
        var query = KpiQuery.Parse(definition, parameters, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), errors);
        errors.ThrowIfAny();

        var table = await ComputeAsync(query!, store, cancellationToken);
        var watermark = WatermarkRules.Of(definition.ReadModel, await store.FindAsync(WatermarkQueries.Of(definition.ReadModel), cancellationToken));
        var response = ToResponse(query!, table, watermark);
        var csv = format == "csv" || (format is null && http.Request.Headers.Accept.Any(a => a?.Contains(KpiCsv.ContentType, StringComparison.OrdinalIgnoreCase) == true));
        return csv ? Results.Text(KpiCsv.Write(response), KpiCsv.ContentType + "; charset=utf-8") : Results.Ok(response);
    }

    private static async Task<KpiTable> ComputeAsync(KpiQuery query, IDocumentStore store, CancellationToken cancellationToken)
    {
        switch (query.Kpi.Name)
        {
            case KpiCatalog.Conversion when LeadCohortRules.Serves(query.GroupBy):
                // From the capture cohorts: a few documents per day instead of every lead fact of the period.
                return LeadKpis.Conversion(query, await store.FindAsync(LeadCohortQueries.Period(query.GroupBy ?? KpiMath.All, query.From, query.To), cancellationToken));
            case KpiCatalog.Conversion or KpiCatalog.SpeedToLead or KpiCatalog.Funnel or KpiCatalog.Sla:
                var captured = await store.FindAsync(LeadFactQueries.CapturedBetween(query.Start, query.Until), cancellationToken);
                var groups = await SegmentsAsync(query, captured, store, cancellationToken);
                return query.Kpi.Name switch
                {
                    KpiCatalog.Conversion => LeadKpis.Conversion(query, captured, groups),
                    KpiCatalog.SpeedToLead => LeadKpis.SpeedToLead(query, captured, groups),
                    KpiCatalog.Funnel => LeadKpis.Funnel(query, captured, groups),
                    _ => LeadKpis.Sla(query, captured, groups),
                };
            case KpiCatalog.CycleLength:
                var wonLeads = await store.FindAsync(LeadFactQueries.WonBetween(query.Start, query.Until), cancellationToken);
                return LeadKpis.CycleLength(query, wonLeads, await SegmentsAsync(query, wonLeads, store, cancellationToken));
            case KpiCatalog.Cac:
                var won = await store.FindAsync(LeadFactQueries.WonBetween(query.Start, query.Until), cancellationToken);
                var spend = await store.FindAsync(SpendQueries.Months(KpiMath.PeriodOf(query.From, Granularity.Month), KpiMath.PeriodOf(query.To, Granularity.Month)), cancellationToken);
                return LeadKpis.Cac(query, won, spend);
            case KpiCatalog.RepActivity:
                return ActivityKpis.RepActivity(query, await CountersAsync(query, store, cancellationToken));
            case KpiCatalog.Service:
                return ActivityKpis.Service(query, await CountersAsync(query, store, cancellationToken));
            case KpiCatalog.Messages:
                var sent = await store.FindAsync(MessageFactQueries.SentBetween(query.Start, query.Until), cancellationToken);
                return ActivityKpis.Messages(query, sent, await CountersAsync(query, store, cancellationToken));
            default:
                var customers = await store.FindAsync(CustomerQueries.FirstOrderBefore(query.Until), cancellationToken);
                return query.Kpi.Name switch
                {
                    KpiCatalog.Ltv => CustomerKpis.Ltv(query, customers),
                    KpiCatalog.Aov => CustomerKpis.Aov(query, customers),
                    KpiCatalog.Retention => CustomerKpis.Retention(query, customers),
                    _ => CustomerKpis.RevenueByCampaign(query, customers),
                };
        }
    }

    /// <summary>With <c>groupBy=segment</c>, the segments of the leads' contacts now (their customer documents, read together); else none read.</summary>
    private static Task<SegmentGroups> SegmentsAsync(KpiQuery query, IEnumerable<LeadFact> leads, IDocumentStore store, CancellationToken cancellationToken) =>
        query.GroupBy == SegmentGroups.GroupBy
            ? SegmentGroups.ReadAsync(store, leads.Select(l => l.ContactId), cancellationToken)
            : Task.FromResult(SegmentGroups.Empty);

    private static async Task<IEnumerable<DayCounter>> CountersAsync(KpiQuery query, IDocumentStore store, CancellationToken cancellationToken) =>
        (await store.FindAsync(CounterQueries.Period(query.From, query.To), cancellationToken)).Select(c => c.ToDayCounter());

    public static KpiResponse ToResponse(KpiQuery query, KpiTable table, KpiWatermark watermark) => new()
    {
        Kpi = query.Kpi.Name,
        From = KpiMath.Text(query.From),
        To = KpiMath.Text(query.To),
        Granularity = query.GranularityName,
        GroupBy = query.GroupBy,
        Watermark = watermark,
        Columns = ["period", "group", .. table.Names],
        Rows = table.Rows.Select(r => new KpiRow { Period = KpiMath.Text(r.Period), Group = r.Group, Values = r.Values }).ToList(),
        Totals = new KpiTotals { Values = table.Totals },
    };
}
