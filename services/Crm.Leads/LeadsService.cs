using Crm.Contacts.Grpc;
using Crm.Leads.Contacts;
using Crm.Leads.Leads;
using Crm.Leads.Pipelines;
using Crm.Leads.Prediction;
using Crm.Leads.Signals;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.GrpcClients;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads;

/// <summary>Everything the Leads service registers and maps.</summary>
public static class LeadsService
{
    public const string Name = "leads";

    public static WebApplicationBuilder AddLeadsService(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.AddCrmStorage(
            Name,
            LeadCollections.Leads,
            PipelineCollections.Pipelines,
            PipelineCollections.Versions,
            ScoringCollections.Rules,
            ScoringCollections.RuleVersions,
            ScoringCollections.History,
            ScoringCollections.Jobs,
            SignalCollections.Signals,
            PredictionCollections.Models,
            ContactMergeLog.Collection);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Leads: capture leads from any channel (one or a batch, idempotent), score them at once, move them through pipelines whose exit criteria are enforced, win or lose them, and list and search them.");
        builder.Services.AddOptions<LeadsOptions>()
            .Bind(config.GetSection(LeadsOptions.Section))
            .Validate(o => o.IsValid, "Leads:MaxCapturedAtAge must be more than zero.")
            .ValidateOnStart();

        builder.Services.AddOptions<ScoringOptions>()
            .Bind(config.GetSection(ScoringOptions.Section))
            .Validate(o => o.IsValid, "Scoring:HotAbove must be greater than Scoring:WarmAbove, and Scoring:WarmAbove not negative.")
            .ValidateOnStart();

        builder.Services.AddSingleton(config.GetSection(ContactDirectoryOptions.Section).Get<ContactDirectoryOptions>() ?? new ContactDirectoryOptions());
        builder.AddCrmGrpcClient<ContactDirectory.ContactDirectoryClient>("Services:Contacts:Grpc");
        builder.Services.AddSingleton<ContactsOutage>();
        builder.Services.AddTransient<IContactDirectory, GrpcContactDirectory>();
        builder.Services.AddScoped<LeadCapture>();
        builder.Services.AddScoped<CaptureLeadHandler>();
        builder.Services.AddSingleton<ScoringRules>();
        builder.Services.AddSingleton<SignalGate>();
        builder.Services.AddSingleton<PipelineCache>();
        builder.AddTimerHandler<ResolvePendingContact>();
        builder.AddTimerHandler<DecayLeadScore>();
        builder.AddTimerHandler<RescoreOpenLeads>();
        builder.Services.AddOptions<PredictionOptions>()
            .Bind(config.GetSection(PredictionOptions.Section))
            .Validate(o => o.IsValid, "Prediction:MinClosed must be at least 20, Prediction:RetrainEvery at least a minute and Prediction:MaxHistory at least MinClosed.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ConversionPredictor>();
        builder.AddTimerHandler<TrainConversionModel>();
        builder.Services.AddHostedService<PredictionSchedule>();

        // Unknown gRPC paths fall through to the API (otherwise a catch-all answers any POST /a/b, e.g. a form-encoded POST /api/leads, with 404 instead of 415).
        builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<SetOwnerOnLeadAssigned>("lead-assigned")
            .Add<LogCallOnCallLogged>("call-logged")
            .Add<Crm.Leads.Signals.RecordReplyOnInboundMessage>("inbound-message-received")
            .AddContactRekeying<LeadsRekeyer>(builder.Services)
            .Add<EraseLeadsOnErasureRequested>("contact-erasure-requested"));
        return builder;
    }

    public static WebApplication MapLeadsService(this WebApplication app)
    {
        app.MapGrpcService<PersonalDataExportService>();
        app.MapGroup("/api/leads").RequireCrmAccess(Name).WithUnitOfWork()
            .MapLeadEndpoints()
            .MapSignalEndpoints()
            .MapScoringEndpoints()
            .MapPredictionEndpoints()
            .MapStageEndpoints()
            .MapPipelineEndpoints();
        return app;
    }
}
