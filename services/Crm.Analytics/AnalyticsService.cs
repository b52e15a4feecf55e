using Crm.Analytics.Contacts;
using Crm.Analytics.Counters;
using Crm.Analytics.Live;
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
    /// Messages one queue handles at once in one process. Every message of a queue increments the same few hot
    /// counter documents (today's total, today's top sources): handled side by side they would only conflict
    /// (MongoDB answers concurrent transactional writes to one document with WriteConflict and retries the whole
    /// transaction, see the review's M9); one at a time per queue they never do. The four queues move disjoint
    /// counters, so they still run in parallel with each other.
    /// </summary>
    public const int CounterConcurrency = 1;

    public static WebApplicationBuilder AddAnalyticsService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, CounterCollections.Counters, LiveCollections.LeadMinutes);
        builder.Services.AddLiveRate(builder.Configuration);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Analytics: daily counts of leads captured, scored and assigned, and of messages sent.");
        // Unknown gRPC paths fall through to the API (otherwise a catch-all answers any POST /a/b, e.g. a form-encoded POST /api/leads, with 404 instead of 415).
        builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<CountLeadCaptured>("lead-captured", concurrentMessageLimit: CounterConcurrency)
            .Add<CountLeadMinute>("lead-captured-live", concurrentMessageLimit: CounterConcurrency)
            .Add<CountLeadScored>("lead-scored", concurrentMessageLimit: CounterConcurrency)
            .Add<CountLeadScoresChanged>("lead-scores-changed", concurrentMessageLimit: CounterConcurrency)
            .Add<CountLeadAssigned>("lead-assigned", concurrentMessageLimit: CounterConcurrency)
            .Add<CountMessageSent>("message-sent", concurrentMessageLimit: CounterConcurrency)
            .Add<ConfirmErasureOnErasureRequested>("contact-erasure-requested"));
        return builder;
    }

    public static WebApplication MapAnalyticsService(this WebApplication app)
    {
        app.MapGrpcService<PersonalDataExportService>();
        app.MapGroup("/api/analytics").RequireCrmAccess(Name).WithUnitOfWork().MapSummaryEndpoints();
        // A stream reads and never writes: no unit of work held open for its whole life.
        app.MapGroup("/api/analytics").RequireCrmAccess(Name).MapLiveEndpoints();
        return app;
    }
}
