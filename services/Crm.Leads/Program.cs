using Crm.Leads;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(LeadsService.Name);
builder.AddLeadsService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapLeadsService();
app.Run();
