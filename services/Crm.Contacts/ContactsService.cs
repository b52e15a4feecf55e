using Crm.Contacts.Contacts;
using Crm.Contacts.Storage;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts;

/// <summary>Everything the Contacts service registers and maps.</summary>
public static class ContactsService
{
    public const string Name = "contacts";

    public static WebApplicationBuilder AddContactsService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, ContactsSchema.Value);
        builder.AddStore<IContactStore, SqliteContactStore, MongoContactStore>();

        var options = builder.Configuration.GetSection(ContactsOptions.Section).Get<ContactsOptions>() ?? new ContactsOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ContactResolver>();
        builder.Services.AddGrpc();

        builder.AddCrmMessaging(Name, x =>
        {
            x.AddConsumer<LeadCapturedConsumer>();
            x.AddConsumer<LeadScoredConsumer>();
            x.AddConsumer<LeadAssignedConsumer>();
            x.AddConsumer<MessageSentConsumer>();
        });
        return builder;
    }

    public static WebApplication MapContactsService(this WebApplication app)
    {
        app.MapGrpcService<ContactDirectoryGrpcService>();
        app.MapGroup("/api/contacts").MapContactEndpoints();
        return app;
    }
}
