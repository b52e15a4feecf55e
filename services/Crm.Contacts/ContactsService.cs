namespace Crm.Contacts;

/// <summary>Everything the Contacts service registers and maps.</summary>
public static class ContactsService
{
    public const string Name = "contacts";

    public static WebApplicationBuilder AddContactsService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapContactsService(this WebApplication app)
    {
        return app;
    }
}
