using Crm.Contacts.Contacts;
using Crm.Contacts.Ownership;
using Crm.Contacts.Timeline;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts;

/// <summary>Everything the Contacts service registers and maps.</summary>
public static class ContactsService
{
    public const string Name = "contacts";

    public static WebApplicationBuilder AddContactsService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, ContactCollections.Contacts, ContactCollections.Identities, TimelineCollections.Timeline, OwnershipCollections.Owners);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Contacts: one record per person however many leads they came in through (identity by e-mail and phone), with their timeline.");

        var options = builder.Configuration.GetSection(ContactsOptions.Section).Get<ContactsOptions>() ?? new ContactsOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddScoped<ContactResolver>();
        builder.Services.AddGrpc();

        // Queue names are the contract with the broker (and the inbox keys): they stay whatever the classes are called.
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<AddToTimelineOnLeadCaptured>("lead-captured", concurrentMessageLimit: TimelineConcurrency)
            .Add<AddToTimelineOnLeadScored>("lead-scored", concurrentMessageLimit: TimelineConcurrency)
            .Add<AddToTimelineOnLeadAssigned>("lead-assigned", concurrentMessageLimit: TimelineConcurrency)
            .Add<AddToTimelineOnMessageSent>("message-sent", concurrentMessageLimit: TimelineConcurrency));
        return builder;
    }

    /// <summary>
    /// Timeline messages one queue handles at once in a process. The timeline is written after the fact; the gRPC
    /// calls (a capture resolving its contact, Messaging looking a contact up for a welcome) are on the path of every
    /// lead. After an outage the timeline queues hold thousands of messages, and handled 16 at a time each they took
    /// the CPU and the store's one writer from those calls (the fault suite's <c>kill-contacts</c>: Messaging sent
    /// 20–40 e-mails/s for 50 s while Contacts caught up). Raise per queue with
    /// <c>RabbitMq:Endpoints:contacts-lead-captured:ConcurrentMessageLimit</c>.
    /// </summary>
    public const int TimelineConcurrency = 2;

    public static WebApplication MapContactsService(this WebApplication app)
    {
        app.MapGrpcService<ContactDirectoryGrpcService>();
        app.MapGroup("/api/contacts").RequireCrmAccess(Name).WithUnitOfWork().MapContactEndpoints();
        return app;
    }
}
