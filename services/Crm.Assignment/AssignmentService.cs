using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Assignment.Storage;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment;

/// <summary>Everything the Assignment service registers and maps.</summary>
public static class AssignmentService
{
    public const string Name = "assignment";

    public static WebApplicationBuilder AddAssignmentService(this WebApplicationBuilder builder)
    {
        builder.AddCrmStorage(Name, AssignmentSchema.Value);
        builder.AddStore<IAssignmentStore, SqliteAssignmentStore, MongoAssignmentStore>();
        builder.AddCrmMessaging(Name, x => x.AddConsumer<LeadScoredConsumer>());
        return builder;
    }

    public static WebApplication MapAssignmentService(this WebApplication app)
    {
        var api = app.MapGroup("/api/assignment");
        api.MapRepEndpoints();
        api.MapAssignmentEndpoints();
        return app;
    }
}
