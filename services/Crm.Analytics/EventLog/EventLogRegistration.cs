using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.EventLog;

public static class EventLogRegistration
{
    /// <summary><see cref="EventLogFilter{T}"/> on every consumer endpoint, inside the platform's unit-of-work filter (<see cref="InnerConsumeFilter"/>).</summary>
    public static IServiceCollection AddEventLog(this IServiceCollection services)
    {
        services.AddScoped(typeof(EventLogFilter<>));
        services.AddSingleton(new InnerConsumeFilter(typeof(EventLogFilter<>)));
        return services;
    }
}
