using Crm.Analytics;
using Crm.ServiceDefaults.Hosting;

if (args is [Crm.Analytics.Rebuild.RebuildCommand.Verb, .. var rebuildArgs])
{
    Environment.ExitCode = await Crm.Analytics.Rebuild.RebuildCommand.RunAsync(rebuildArgs);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(AnalyticsService.Name);
builder.AddAnalyticsService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAnalyticsService();
app.Run();
