using Crm.Leads.Contacts;
using Crm.ServiceDefaults.Storage.Sqlite;
using Crm.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Leads.Tests;

/// <summary>The Leads service in-process (SQLite, MassTransit test harness) with Contacts replaced by <see cref="FakeContactDirectory"/>.</summary>
public class LeadsApiFactory : CrmServiceFactory<LeadsEntryPoint>
{
    public FakeContactDirectory Contacts { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IContactDirectory>();
        services.AddSingleton<IContactDirectory>(Contacts);
    }

    public Task<long> CountAsync(string sql, object? param = null) =>
        Services.GetRequiredService<SqliteDb>().ReadAsync(c => c.ExecuteScalarAsync<long>(sql, param));

    public Task<long> LeadsFromSourceAsync(string source) => CountAsync("SELECT COUNT(*) FROM leads WHERE source = @source", new { source });
}
