using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Assignment;
using Crm.Leads.Contacts;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>The Leads service in-process (SQLite, MassTransit test harness) with Contacts replaced by <see cref="FakeContactDirectory"/>.</summary>
public class LeadsApiFactory : CrmServiceFactory<LeadsEntryPoint>
{
    public FakeContactDirectory Contacts { get; } = new();

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.RemoveAll<IContactDirectory>();
        services.AddSingleton<IContactDirectory>(Contacts);
        services.RemoveAll<ContactsOutage>();
        services.AddSingleton(Contacts.Outage);
    }

    /// <summary>A lead captured and then assigned to <paramref name="rep"/> of <paramref name="team"/>.</summary>
    public async Task<LeadResponse> AssignedLeadAsync(string rep, string? team)
    {
        using var admin = CreateClient();
        using var created = await admin.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"{"p-" + Guid.NewGuid().ToString("N")}@example.com", Source = "own-" + Guid.NewGuid().ToString("N"), Channel = Channel.Web }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var lead = (await created.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        await AssignAsync(lead.Id, lead.ContactId!, rep, team);
        return (await admin.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions))!;
    }

    public Task<long> LeadCountAsync() => Store.CountAsync(LeadCollections.Leads, Filter<Lead>.All);

    public Task<long> OutboxCountAsync() => Store.CountAsync(PlatformCollections.Outbox, Filter<OutboxRecord>.All);

    /// <summary>
    /// Assignment gives lead <paramref name="leadId"/> of <paramref name="contactId"/> to <paramref name="rep"/> of
    /// <paramref name="team"/> (a <c>LeadAssigned</c> on the bus); returns once the lead shows its owner.
    /// </summary>
    public async Task AssignAsync(string leadId, string contactId, string rep, string? team)
    {
        await Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = leadId,
            ContactId = contactId,
            RepId = rep,
            RepName = rep,
            TeamId = team,
        });
        await Poll.UntilAsync(async () => (await Store.GetAsync(LeadCollections.Leads, leadId))?.OwnerId == rep, $"lead {leadId} to show its owner {rep}");
    }

    public Task<long> LeadsFromSourceAsync(string source) => Store.CountAsync(LeadCollections.Leads, Filter<Lead>.Eq(x => x.Source, source));
}
