using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Kpis;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.Analytics.Spend;
using Crm.Analytics.Summary;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics;

/// <summary>Everything the Analytics service registers and maps.</summary>
public static class AnalyticsService
{
    public const string Name = "analytics";

    /// <summary>
    /// Deliveries one event queue hands at once in one process (its prefetch too), and so the largest batch its
    /// <see cref="ProjectionBatcher"/> lane commits in one transaction. Every event of a queue increments the same few hot
    /// counter documents (today's total, today's top sources) and moves its queue's watermark documents: committed side by
    /// side they would only conflict (MongoDB answers concurrent transactional writes to one document with WriteConflict
    /// and retries the whole transaction, see the review's M9), so a queue's deliveries wait for its lane's worker, which
    /// commits one batch at a time. The queues move disjoint counters and watermarks, so they still run in parallel with
    /// each other; the lead, customer and message documents they share are written at the version read (a conflict
    /// between queues applies the batch again). <c>RabbitMq:Endpoints:analytics-{event}</c> overrides it per queue.
    /// </summary>
    public const int ProjectionConcurrency = 64;

    public static WebApplicationBuilder AddAnalyticsService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(
            Name,
            [
                CounterCollections.Counters,
                LeadFactCollections.LeadFacts,
                CustomerCollections.Customers,
                MessageFactCollections.MessageFacts,
                SpendCollections.Spend,
                WatermarkCollections.Watermarks,
                ContactMergeLog.Collection,
                LiveCollections.LeadMinutes,
                LeadCohortCollections.Cohorts,
                EventLogCollections.Log,
            ]);
        builder.Services.AddLiveRate(builder.Configuration);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Analytics: daily counts of leads captured, scored and assigned, and of messages sent; KPIs (conversion, cycle length, speed-to-lead, funnel, SLA, rep activity, messages, service, CAC, LTV, AOV, retention, revenue by campaign) from read models built from events; acquisition spend.");
        // Unknown gRPC paths fall through to the API (otherwise a catch-all answers any POST /a/b, e.g. a form-encoded POST /api/leads, with 404 instead of 415).
        builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
        // Before the bus: stopped after it, so no delivery waits for a batch that will not come.
        builder.Services.AddSingleton<ProjectionBatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProjectionBatcher>());
        builder.AddCrmMessaging(Name, consumers =>
        {
            // One queue per event type (analytics-lead-captured, ...), applying every read model the event moves.
            foreach (var eventType in AnalyticsProjection.ProjectedEventTypes)
            {
                consumers.Add(typeof(ProjectEvent<>).MakeGenericType(eventType), AnalyticsProjection.QueueOf(eventType), ProjectionConcurrency, prefetchCount: ProjectionConcurrency);
            }

            consumers
                .AddContactRekeying<AnalyticsRekeyer>(builder.Services)
                .Add<ConfirmErasureOnErasureRequested>(ContactLifecycleQueues.ErasureRequested);
        });
        builder.Services.AddRetiredQueues(builder.Configuration, AnalyticsProjection.RetiredQueues(Name));
        builder.Services.AddEventLog();
        return builder;
    }

    public static WebApplication MapAnalyticsService(this WebApplication app)
    {
        app.MapGrpcService<PersonalDataExportService>();
        app.MapGroup("/api/analytics").RequireCrmAccess(Name).WithUnitOfWork().MapSummaryEndpoints().MapKpiEndpoints().MapSpendEndpoints();
        // A stream reads and never writes: no unit of work held open for its whole life.
        app.MapGroup("/api/analytics").RequireCrmAccess(Name).MapLiveEndpoints();
        return app;
    }
}
