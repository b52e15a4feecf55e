using Crm.Messaging;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(MessagingService.Name);
builder.AddMessagingService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapMessagingService();
app.Run();
