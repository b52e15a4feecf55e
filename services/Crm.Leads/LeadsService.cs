namespace Crm.Leads;

/// <summary>Everything the Leads service registers and maps.</summary>
public static class LeadsService
{
    public const string Name = "leads";

    public static WebApplicationBuilder AddLeadsService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapLeadsService(this WebApplication app)
    {
        return app;
    }
}
