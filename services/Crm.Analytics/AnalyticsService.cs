using Crm.Analytics.Counters;
using Crm.Analytics.Storage;
using Crm.Analytics.Summary;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics;

/// <summary>Everything the Analytics service registers and maps.</summary>
public static class AnalyticsService
{
    public const string Name = "analytics";

    public static WebApplicationBuilder AddAnalyticsService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, AnalyticsSchema.Value);
        builder.AddStore<IAnalyticsStore, SqliteAnalyticsStore, MongoAnalyticsStore>();
        builder.AddCrmMessaging(Name, x =>
        {
            x.AddConsumer<LeadCapturedConsumer>();
            x.AddConsumer<LeadScoredConsumer>();
            x.AddConsumer<LeadAssignedConsumer>();
            x.AddConsumer<MessageSentConsumer>();
        });
        return builder;
    }

    public static WebApplication MapAnalyticsService(this WebApplication app)
    {
        app.MapGroup("/api/analytics").MapSummaryEndpoints();
        return app;
    }
}
