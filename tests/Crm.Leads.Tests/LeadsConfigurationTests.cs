using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Contacts;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>The Leads service with stricter grade thresholds from configuration.</summary>
public sealed class StrictScoringFactory : LeadsApiFactory
{
    public StrictScoringFactory()
    {
        Settings["Scoring:HotAbove"] = "30";
        Settings["Scoring:WarmAbove"] = "25";
    }
}

public sealed class ConfiguredThresholdsTests(StrictScoringFactory factory) : IClassFixture<StrictScoringFactory>
{
    [Fact]
    public async Task Grade_thresholds_come_from_configuration()
    {
        using var client = factory.CreateClient();
        var request = new CaptureLeadRequest
        {
            Name = "Ana",
            Email = "ana@example.com",
            Phone = "+4915112345678",
            Source = "config",
            Channel = Channel.Ads,
            PagesVisited = 4,
            LastInteractionAt = DateTimeOffset.UtcNow,
        };

        using var response = await client.PostAsJsonAsync("/api/leads", request, CrmClient.JsonOptions);

        var lead = await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions);
        Assert.Equal(27, lead!.Score);
        Assert.Equal(Grade.Warm, lead.Grade);
    }
}

/// <summary>The real gRPC client (no fake) pointed at a port where nothing listens: Contacts is down.</summary>
public sealed class ContactsDownFactory : CrmServiceFactory<LeadsEntryPoint>
{
    public ContactsDownFactory()
    {
        Settings["Services:Contacts:Grpc"] = $"http://127.0.0.1:{FreePort.Next()}";
        Settings["Services:Contacts:Timeout"] = "00:00:05";
    }
}

public sealed class ContactsDownTests(ContactsDownFactory factory) : IClassFixture<ContactsDownFactory>
{
    [Fact]
    public void The_real_grpc_directory_is_wired()
    {
        using var scope = factory.Services.CreateScope();

        Assert.IsType<GrpcContactDirectory>(scope.ServiceProvider.GetRequiredService<IContactDirectory>());
    }

    [Fact]
    public async Task Capture_while_contacts_is_unreachable_is_202_and_keeps_the_lead_with_its_contact_pending()
    {
        using var client = factory.CreateClient();
        var source = $"down-{Guid.NewGuid():N}";

        using var response = await client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = "ana@example.com", Source = source, Channel = Channel.Web }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.True(lead.ContactPending);
        Assert.Equal($"/api/leads/{lead.Id}", response.Headers.Location?.ToString());
        var stored = await factory.Services.GetRequiredService<IDocumentStore>()
            .CountAsync(LeadCollections.Leads, Filter<Lead>.Eq(x => x.Source, source) & Filter<Lead>.Eq(x => x.ContactPending, true));
        Assert.Equal(1, stored);
    }
}
