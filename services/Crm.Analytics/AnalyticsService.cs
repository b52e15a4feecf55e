namespace Crm.Analytics;

/// <summary>Everything the Analytics service registers and maps.</summary>
public static class AnalyticsService
{
    public const string Name = "analytics";

    public static WebApplicationBuilder AddAnalyticsService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapAnalyticsService(this WebApplication app)
    {
        return app;
    }
}
