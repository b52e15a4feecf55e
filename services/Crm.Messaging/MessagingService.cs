using Crm.Contacts.Grpc;
using Crm.Messaging.Alerts;
using Crm.Messaging.Calls;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Conversations;
using Crm.Messaging.Email;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.Messaging.Templates;
using Crm.Messaging.Webhooks;
using Crm.Messaging.Welcome;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.GrpcClients;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging;

/// <summary>Everything the Messaging service registers and maps.</summary>
public static class MessagingService
{
    public const string Name = "messaging";

    public static WebApplicationBuilder AddMessagingService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, MessageCollections.Messages, MessageCollections.ErasedContacts, TemplateCollections.Templates, ContactMergeLog.Collection,
            ContactChannelCollections.ContactChannels, WebhookCollections.Subscriptions, WebhookCollections.Deliveries,
            PressureCollections.Ledgers, AddressSuppressionCollections.SuppressedAddresses,
            ConversationCollections.Conversations, ConversationCollections.InboundReceipts, ConversationCollections.ContactOwners,
            JourneyCollections.Journeys, JourneyCollections.Versions, JourneyCollections.Enrollments,
            AlertCollections.Reps);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Messaging: the messages the platform sent to contacts (welcome e-mails...) the templates (Liquid) they are written from, and outbound webhooks (signed, retried, replayable deliveries of platform events to partner URLs).");
        builder.Services.AddSingleton<SendOnce>();
        builder.Services.AddCheckedSettings<SendingOptions>(builder.Configuration, SendingOptions.Section);

        // Unknown gRPC paths fall through to the API (otherwise a catch-all answers any POST /a/b, e.g. a form-encoded POST /api/leads, with 404 instead of 415).
        builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
        builder.AddCrmGrpcClient<ContactDirectory.ContactDirectoryClient>("Services:Contacts:Grpc");
        builder.Services.AddTransient<IContactDirectory, GrpcContactDirectory>();
        builder.Services.AddTransient<IContactResolver, GrpcContactDirectory>();
        builder.Services.AddTransient<ISendFence, GrpcSendFence>();
        builder.Services.AddTransient<ConsentFence>();

        var smtp = builder.Configuration.GetSection(SmtpOptions.Section).Get<SmtpOptions>() ?? new SmtpOptions();
        builder.Services.AddSingleton(smtp);
        if (smtp.HasServer)
        {
            builder.Services.AddSingleton<IEmailSender, SmtpEmailSender>();
        }
        else
        {
            builder.Services.AddSingleton<IEmailSender, PickupDirectoryEmailSender>();
        }

        builder.Services.AddHostedService<EmailTransportNotice>();
        builder.Services.AddCheckedSettings<TemplateSettings>(builder.Configuration, TemplateSettings.Section);
        builder.Services.AddSingleton<TemplateRenderer>();
        builder.Services.AddCheckedSettings<PressurePolicy>(builder.Configuration, PressurePolicy.Section);
        builder.Services.AddSingleton<PressureGate>();
        builder.Services.AddScoped<SendBatch>();
        builder.Services.AddSingleton<SendBatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SendBatcher>()); // before the bus: stopped after it
        builder.AddTimerHandler<QueueDelayedMessage>();

        builder.Services.AddCheckedSettings<WebhookOptions>(builder.Configuration, WebhookOptions.Section);
        builder.Services.AddSingleton<IWebhookHostResolver, DnsWebhookHostResolver>();
        builder.Services.AddSingleton<WebhookHttp>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.AddTimerHandler<SendWebhookDelivery>();
        builder.AddWebhookDescriptions();
        builder.Services.AddSingleton<JourneyRunner>();
        builder.AddTimerHandler<RunJourneyStep>();

        builder.AddChannels();
        builder.Services.AddSingleton(builder.Configuration.GetSection(ConversationOptions.Section).Get<ConversationOptions>() ?? new ConversationOptions());
        builder.Services.AddScoped<ConversationInbox>();
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<SendWelcomeOnLeadAssigned>("lead-assigned")
            .Add<EraseOnErasureRequested>("contact-erasure-requested")
            .Add<SendQueuedMessage>("message-queued")
            .Add<TrackOwnerOnLeadAssigned>("conversation-owner")
            .Add<RouteOwnerOnConversationRouted>("conversation-routed")
            .AddContactRekeying<MessagingRekeyer>(builder.Services)
            .AddWebhookConsumers()
            .AddJourneyConsumers()
            .AddAlertConsumers());
        return builder;
    }

    public static WebApplication MapMessagingService(this WebApplication app)
    {
        app.MapGrpcService<PersonalDataExportService>();
        app.MapGroup("/api/messaging").RequireCrmAccess(Name).WithUnitOfWork().MapMessageEndpoints().MapSendMessageEndpoints().MapCallEndpoints().MapSuppressionEndpoints().MapTemplateEndpoints().MapWebhookEndpoints()
            .MapConversationEndpoints().MapJourneyEndpoints();
        // Providers' delivery status callbacks: no platform identity (public webhooks), each verified by its provider's signature.
        app.MapGroup("/api/messaging/providers").WithUnitOfWork().MapProviderCallbacks().MapInboundWebhooks();
        return app;
    }
}
