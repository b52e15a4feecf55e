using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Analytics.Tests;

/// <summary>Analytics in-process (SQLite, the MassTransit harness) with a fixed clock: "today" is <see cref="Today"/>.</summary>
public sealed class AnalyticsApiFactory : CrmServiceFactory<AnalyticsEntryPoint>
{
    public static readonly DateTimeOffset Now = new(2031, 5, 20, 9, 30, 0, TimeSpan.Zero);

    public static DateOnly Today => DateOnly.FromDateTime(Now.UtcDateTime);

    public FakeTimeProvider Time { get; } = new(Now);

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(Time);
    }
}
