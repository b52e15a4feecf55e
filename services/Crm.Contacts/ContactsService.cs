using Crm.Contacts.Consent;
using Crm.Contacts.Contacts;
using Crm.Contacts.Duplicates;
using Crm.Contacts.Erasure;
using Crm.Contacts.Export;
using Crm.Contacts.Import;
using Crm.Contacts.Merge;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contacts.Profile;
using Crm.Contacts.Segments;
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
        builder.AddCrmStorage(Name, [ContactCollections.Contacts, ContactCollections.Identities, TimelineCollections.Timeline, OwnershipCollections.Owners, FieldDefinitionCollections.Definitions, ConsentCollections.Consents, ConsentCollections.Ledger, SendFenceCollections.Fences, .. OrderCollections.All, .. ErasureCollections.All, .. DuplicateCollections.All, .. ImportCollections.All, .. SegmentCollections.All, .. MergeCollections.All]);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Contacts: one record per person however many leads they came in through (identity by e-mail, phone and external ids), with their profile (locale, time zone, country, lifecycle stage, tags, custom fields) and their timeline.");

        var options = builder.Configuration.GetSection(ContactsOptions.Section).Get<ContactsOptions>() ?? new ContactsOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddScoped<ContactResolver>();
        builder.Services.AddScoped<ContactProfileEditor>();
        builder.Services.AddScoped<ContactMerger>();
        builder.Services.AddScoped<SendFences>();
        builder.Services.AddGrpc();
        builder.AddExport(options);
        builder.AddTimerHandler<LoyaltyRecencyTimer>();
        builder.AddTimerHandler<ErasureSweepTimer>();
        builder.Services.AddSingleton<ImportSignal>();
        builder.Services.AddHostedService<ImportWorker>();
        builder.Services.AddSingleton<SegmentCatalog>();
        builder.AddTimerHandler<SegmentRefreshTimer>();
        builder.AddTimerHandler<SegmentClockTimer>();
        builder.AddTimerHandler<SegmentBuildTimer>();

        // Queue names are the contract with the broker (and the inbox keys): they stay whatever the classes are called.
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<AddToTimelineOnLeadCaptured>("lead-captured")
            .Add<AddToTimelineOnLeadScored>("lead-scored")
            .Add<AddToTimelineOnLeadScoresChanged>("lead-scores-changed")
            .Add<AddToTimelineOnLeadAssigned>("lead-assigned")
            .Add<AddToTimelineOnMessageSent>("message-sent")
            .Add<AddToTimelineOnCallLogged>("call-logged")
            .Add<RecordErasureConfirmation>("contact-data-erased")
            .Add<FindDuplicatesOnContactChanged>("find-duplicates")
            .Add<EvaluateSegmentsOnContactChange>("segments"));
        return builder;
    }

    public static WebApplication MapContactsService(this WebApplication app)
    {
        app.MapGrpcService<ContactDirectoryGrpcService>();
        app.MapGroup("/api/contacts").RequireCrmAccess(Name).WithUnitOfWork().MapContactEndpoints().MapFieldDefinitionEndpoints().MapConsentEndpoints().MapOrderEndpoints().MapErasureEndpoints().MapDuplicateEndpoints().MapImportEndpoints().MapSegmentEndpoints().MapExportEndpoints().MapMergeEndpoints();
        return app;
    }
}
