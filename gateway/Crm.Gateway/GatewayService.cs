namespace Crm.Gateway;

/// <summary>Everything the gateway registers and maps.</summary>
public static class GatewayService
{
    public const string Name = "gateway";

    public static WebApplicationBuilder AddGatewayService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapGatewayService(this WebApplication app)
    {
        return app;
    }
}
