using Crm.Contacts.Grpc;
using Crm.Leads.Contacts;
using Crm.Leads.Leads;
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
        builder.AddCrmStorage(Name, LeadCollections.Leads);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Leads: capture leads from any channel (idempotent), score them at once, and read them with their owner once assigned.");

        builder.Services.AddOptions<ScoringOptions>()
            .Bind(config.GetSection(ScoringOptions.Section))
            .Validate(o => o.IsValid, "Scoring:HotAbove must be greater than Scoring:WarmAbove, and Scoring:WarmAbove not negative.")
            .ValidateOnStart();

        builder.Services.AddSingleton(config.GetSection(ContactDirectoryOptions.Section).Get<ContactDirectoryOptions>() ?? new ContactDirectoryOptions());
        builder.AddCrmGrpcClient<ContactDirectory.ContactDirectoryClient>("Services:Contacts:Grpc");
        builder.Services.AddSingleton<ContactsOutage>();
        builder.Services.AddTransient<IContactDirectory, GrpcContactDirectory>();
        builder.Services.AddScoped<CaptureLeadHandler>();
        builder.AddTimerHandler<ResolvePendingContact>();

        builder.AddCrmMessaging(Name, consumers => consumers.Add<SetOwnerOnLeadAssigned>("lead-assigned"));
        return builder;
    }

    public static WebApplication MapLeadsService(this WebApplication app)
    {
        app.MapGroup("/api/leads").RequireCrmAccess(Name).WithUnitOfWork().MapLeadEndpoints();
        return app;
    }
}
