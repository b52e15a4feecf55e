using Crm.Gateway;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(GatewayService.Name);
builder.AddGatewayService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapGatewayService();
app.Run();
