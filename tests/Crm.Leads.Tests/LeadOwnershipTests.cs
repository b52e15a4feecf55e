using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>
/// A rep sees only their leads, a team lead their team's, managers and admins all; a lead the caller may not see is
/// 404 exactly like an unknown one (never 403).
/// </summary>
public sealed class LeadOwnershipTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private Task<LeadResponse> AssignedLeadAsync(string rep, string? team) => factory.AssignedLeadAsync(rep, team);

    private async Task<HttpStatusCode> GetAsAsync(CallerIdentity caller, string leadId)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.GetAsync($"/api/leads/{leadId}");
        return response.StatusCode;
    }

    [Fact]
    public async Task The_owner_team_is_stored_from_LeadAssigned()
    {
        var lead = await AssignedLeadAsync("rep-a", "north");

        Assert.Equal("north", lead.OwnerTeamId);
    }

    [Fact]
    public async Task A_rep_sees_their_lead_and_no_other()
    {
        var lead = await AssignedLeadAsync("rep-a", "north");

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-a", "north"), lead.Id));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(TestIdentity.Person(PersonRoles.Rep, "rep-b", "north"), lead.Id));
    }

    [Fact]
    public async Task A_team_lead_sees_their_teams_leads_only()
    {
        var north = await AssignedLeadAsync("rep-a", "north");
        var south = await AssignedLeadAsync("rep-c", "south");
        var lead = TestIdentity.Person(PersonRoles.TeamLead, "lead-n", "north");

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(lead, north.Id));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsAsync(lead, south.Id));
    }

    [Theory]
    [InlineData(PersonRoles.Manager)]
    [InlineData(PersonRoles.Admin)]
    public async Task Managers_and_admins_see_every_lead(string role)
    {
        var lead = await AssignedLeadAsync("rep-a", "north");

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Person(role, subject: role + "-1"), lead.Id));
    }

    [Fact]
    public async Task An_unassigned_lead_is_404_for_a_rep_and_the_answer_is_the_same_as_for_an_unknown_lead()
    {
        using var admin = factory.CreateClient();
        using var created = await admin.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"{Unique("p")}@example.com", Source = Unique("own"), Channel = Channel.Web }, CrmClient.JsonOptions);
        var lead = (await created.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        using var rep = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-a"));

        using var hidden = await rep.GetAsync($"/api/leads/{lead.Id}");
        using var unknown = await rep.GetAsync($"/api/leads/{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", hidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_api_key_sees_every_lead()
    {
        var lead = await AssignedLeadAsync("rep-a", null);

        Assert.Equal(HttpStatusCode.OK, await GetAsAsync(TestIdentity.Key("crm-sync", "leads:read"), lead.Id));
    }
}
