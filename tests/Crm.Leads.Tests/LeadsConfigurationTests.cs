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

/// <summary>The Leads service with <c>Leads:RepeatCapture=NewLead</c>: every capture is a lead of its own.</summary>
public sealed class NewLeadPerCaptureFactory : LeadsApiFactory
{
    public NewLeadPerCaptureFactory() => Settings["Leads:RepeatCapture"] = "NewLead";
}

public sealed class RepeatCaptureAsNewLeadTests(NewLeadPerCaptureFactory factory) : IClassFixture<NewLeadPerCaptureFactory>
{
    [Fact]
    public async Task With_NewLead_the_same_person_twice_is_one_contact_with_two_open_leads()
    {
        using var client = factory.CreateClient();
        var email = $"twice-{Guid.NewGuid():N}@example.com";
        var source = $"newlead-{Guid.NewGuid():N}";

        using var first = await client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = email, Source = source, Interest = "basic" }, CrmClient.JsonOptions);
        using var second = await client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = email.ToUpperInvariant(), Source = source, Interest = "premium" }, CrmClient.JsonOptions);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        var a = (await first.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        var b = (await second.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(a.ContactId, b.ContactId);
        Assert.Equal((LeadStatus.Open, "basic", LeadStatus.Open, "premium"), (a.Status, a.Interest, b.Status, b.Interest));
        Assert.Equal(1, (await client.GetFromJsonAsync<LeadResponse>($"/api/leads/{a.Id}", CrmClient.JsonOptions))!.Version);

        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var stored = await store.FindAsync(LeadCollections.Leads.Find(Filter<Lead>.Eq(x => x.Source, source)));
        Assert.Equal(2, stored.Count);
        Assert.All(stored, l => Assert.Null(l.OpenKey));
        Assert.All(stored, l => Assert.Equal(0, l.RepeatCaptures));
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
