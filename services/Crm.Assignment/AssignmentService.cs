namespace Crm.Assignment;

/// <summary>Everything the Assignment service registers and maps.</summary>
public static class AssignmentService
{
    public const string Name = "assignment";

    public static WebApplicationBuilder AddAssignmentService(this WebApplicationBuilder builder)
    {
        return builder;
    }

    public static WebApplication MapAssignmentService(this WebApplication app)
    {
        return app;
    }
}
