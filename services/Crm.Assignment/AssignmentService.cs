using Crm.Assignment.Assignments;
using Crm.Assignment.Contacts;
using Crm.Assignment.Conversations;
using Crm.Assignment.Reps;
using Crm.Assignment.Queue;
using Crm.Assignment.Rules;
using Crm.Assignment.Sla;
using Crm.Assignment.Teams;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment;

/// <summary>Everything the Assignment service registers and maps.</summary>
public static class AssignmentService
{
    public const string Name = "assignment";

    public static WebApplicationBuilder AddAssignmentService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, [.. AssignmentCollections.All, ContactMergeLog.Collection]);
        builder.AddCrmApiSecurity();
        builder.DescribeApi("Assignment: sales reps and their capacity, where each scored lead stands (assigned or in the backlog), and the backlog.");
        builder.Services.AddSingleton<AssignmentEngine>();
        builder.Services.AddSingleton<RepRoster>();
        // Unknown gRPC paths fall through to the API (otherwise a catch-all answers any POST /a/b, e.g. a form-encoded POST /api/leads, with 404 instead of 415).
        builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
        builder.AddTimerHandler<BacklogDrainTimer>();
        builder.AddTimerHandler<RerouteTimer>();
        builder.AddTimerHandler<SlaTimer>();

        // One scored lead at a time per process: every routing pass writes the round-robin state, so parallel passes
        // in one process would only conflict and retry. Replicas still run in parallel (and conflict rarely).
        builder.AddCrmMessaging(Name, consumers => consumers
            .Add<AssignOnLeadScored>("lead-scored", concurrentMessageLimit: 1)
            .Add<AssignOnLeadScoresChanged>("lead-scores-changed", concurrentMessageLimit: 1)
            .Add<FollowLeadClosures>("lead-closures", concurrentMessageLimit: 1)
            .Add<TrackLeadActivity>("lead-activity")
            .Add<TrackConversationActivity>("conversation-activity")
            .Add<RouteConversationOwner>("conversation-owner")
            .AddContactRekeying<AssignmentRekeyer>(builder.Services)
            .Add<EraseOnErasureRequested>("contact-erasure-requested"));
        return builder;
    }

    public static WebApplication MapAssignmentService(this WebApplication app)
    {
        app.MapGrpcService<PersonalDataExportService>();
        var api = app.MapGroup("/api/assignment").RequireCrmAccess(Name).WithUnitOfWork();
        api.MapRepEndpoints();
        api.MapAssignmentEndpoints();
        api.MapRuleEndpoints();
        api.MapTeamEndpoints();
        api.MapSlaEndpoints();
        api.MapWorkQueueEndpoints();
        return app;
    }
}
