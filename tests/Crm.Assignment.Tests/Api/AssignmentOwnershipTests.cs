using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>
/// Where a lead stands and the backlog under the ownership rule: a rep sees the assignment of their leads, a team lead
/// their team's, managers, admins and keys every lead; another's lead is 404 like an unknown one; the backlog (leads
/// nobody owns yet) is empty for reps and team leads.
/// </summary>
public sealed class AssignmentOwnershipTests
{
    private static LeadScored Scored(string grade = "warm") => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = Guid.CreateVersion7().ToString("N"), ContactId = Guid.CreateVersion7().ToString("N"),
        Score = 15, Grade = grade, Source = "web-form", Channel = "web",
    };

    private static async Task<(HttpStatusCode Status, string? Title)> GetAsAsync(CrmServiceFactory<AssignmentEntryPoint> factory, CallerIdentity caller, string url)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_lead_assignment_is_seen_by_its_rep_their_team_lead_managers_and_keys_and_is_404_like_an_unknown_lead_for_anyone_else()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var admin = factory.CreateClient();
        using (var created = await admin.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "Ann", Capacity = 5, TeamId = "north" }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var ann = Assert.Single((await admin.ReadAsync<Page<RepResponse>>("/api/assignment/reps")).Items);
        var scored = Scored();
        await factory.Harness.Bus.Publish(scored);
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Published.Select<LeadAssigned>(x => x.Context.Message.LeadId == scored.LeadId).Any()), "the lead assigned to Ann");
        var url = $"/api/assignment/leads/{scored.LeadId}";
        var unknown = await GetAsAsync(factory, TestIdentity.Admin, $"/api/assignment/leads/{Guid.CreateVersion7():N}");

        Assert.Equal(HttpStatusCode.OK, (await GetAsAsync(factory, TestIdentity.Person(PersonRoles.Rep, ann.Id, "north"), url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsAsync(factory, TestIdentity.Person(PersonRoles.TeamLead, "lead-north", "north"), url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsAsync(factory, TestIdentity.Person(PersonRoles.Manager, subject: "manager-1"), url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsAsync(factory, TestIdentity.Key("crm-sync", "assignment:read"), url)).Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(unknown, await GetAsAsync(factory, TestIdentity.Person(PersonRoles.Rep, "another-rep", "north"), url));
        Assert.Equal(unknown, await GetAsAsync(factory, TestIdentity.Person(PersonRoles.TeamLead, "lead-south", "south"), url));
    }

    [Fact]
    public async Task The_backlog_and_its_leads_are_seen_only_by_those_who_see_every_lead()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var admin = factory.CreateClient();
        var scored = Scored("hot");
        await factory.Harness.Bus.Publish(scored);
        await admin.WaitsInBacklogAsync(scored.LeadId, "the lead waiting: there is no rep");
        var rep = TestIdentity.Person(PersonRoles.Rep, "rep-a", "north");
        var teamLead = TestIdentity.Person(PersonRoles.TeamLead, "lead-north", "north");

        using var asRep = factory.CreateClient().As(rep);
        using var asTeamLead = factory.CreateClient().As(teamLead);
        using var asManager = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Manager, subject: "manager-1"));
        Assert.Empty((await asRep.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items);
        Assert.Empty((await asTeamLead.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items);
        Assert.Contains(scored.LeadId, (await asManager.ReadAsync<Page<LeadAssignmentResponse>>("/api/assignment/backlog")).Items.Select(l => l.LeadId));

        // Validation still names a bad field for everyone; the lead itself is 404 for those who do not see the backlog.
        using (var bad = await asRep.GetAsync(new Uri("/api/assignment/backlog?limit=0", UriKind.Relative)))
        {
            Assert.Equal(["limit"], (await ApiHelpers.ErrorsAsync(bad)).EnumerateObject().Select(p => p.Name));
        }

        var url = $"/api/assignment/leads/{scored.LeadId}";
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsAsync(factory, rep, url)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsAsync(factory, teamLead, url)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsAsync(factory, TestIdentity.Key("crm-sync", "assignment:read"), url)).Status);
    }
}
