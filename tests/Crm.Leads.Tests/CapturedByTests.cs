using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>A lead records who captured it (the API key or person of the signed identity): in the lead, its response and <c>LeadCaptured</c>.</summary>
public sealed class CapturedByTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private static CaptureLeadRequest NewLead() => new() { Email = $"p-{Guid.NewGuid():N}@example.com", Source = "audit", Channel = Channel.Web };

    private async Task<(LeadResponse Lead, LeadCaptured Event)> CaptureAsync(CallerIdentity caller)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.PostAsJsonAsync("/api/leads", NewLead(), CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        var captured = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id).FirstOrDefault()?.Context.Message),
            "LeadCaptured to be published");
        return (lead, captured);
    }

    [Fact]
    public async Task A_keys_capture_names_the_key_in_LeadCaptured_and_in_the_lead()
    {
        var key = TestIdentity.Key("web-shop", "leads:write") with { KeyId = "key-0193" };
        var expected = new Actor { Kind = "key", Id = "key-0193", Name = "web-shop" };

        var (lead, captured) = await CaptureAsync(key);

        Assert.Equal(expected, captured.CapturedBy);
        Assert.Equal(expected, lead.CapturedBy);
        using var admin = factory.CreateClient();
        var json = await admin.GetStringAsync(new Uri($"/api/leads/{lead.Id}", UriKind.Relative));
        using var document = JsonDocument.Parse(json);
        var capturedBy = document.RootElement.GetProperty("capturedBy");
        Assert.Equal("key", capturedBy.GetProperty("kind").GetString());
        Assert.Equal("key-0193", capturedBy.GetProperty("id").GetString());
        Assert.Equal("web-shop", capturedBy.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, capturedBy.GetProperty("role").ValueKind);
    }

    [Fact]
    public async Task A_configured_key_without_an_id_is_named_by_its_name()
    {
        var (_, captured) = await CaptureAsync(TestIdentity.Key("landing-page", "leads:write"));

        Assert.Equal(new Actor { Kind = "key", Id = "landing-page", Name = "landing-page" }, captured.CapturedBy);
    }

    [Fact]
    public async Task A_persons_capture_names_the_person_and_their_role()
    {
        var manager = TestIdentity.Person(PersonRoles.Manager, subject: "maria-0042");
        var expected = new Actor { Kind = "person", Id = "maria-0042", Name = "maria-0042", Role = "manager" };

        var (lead, captured) = await CaptureAsync(manager);

        Assert.Equal(expected, captured.CapturedBy);
        using var client = factory.CreateClient().As(manager);
        var read = await client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        Assert.Equal(expected, read!.CapturedBy);
    }
}
