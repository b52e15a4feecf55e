using Crm.Assignment;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(AssignmentService.Name);
builder.AddAssignmentService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAssignmentService();
app.Run();
