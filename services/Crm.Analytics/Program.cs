using Crm.Analytics;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(AnalyticsService.Name);
builder.AddAnalyticsService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAnalyticsService();
app.Run();
