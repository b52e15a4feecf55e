using Crm.Contacts;
using Crm.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(ContactsService.Name);
builder.AddContactsService();

var app = builder.Build();
app.MapServiceDefaults();
app.MapContactsService();
app.Run();
