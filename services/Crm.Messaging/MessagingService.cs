namespace Crm.Messaging;

/// <summary>Everything the Messaging service registers and maps.</summary>
public static class MessagingService
{
    public const string Name = "messaging";

    public static WebApplicationBuilder AddMessagingService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapMessagingService(this WebApplication app)
    {
        return app;
    }
}
