using Crm.Assignment.Routing;
using System.Net;
using System.Net.Http.Json;
using Crm.Assignment.Assignments;
using Crm.Assignment.Reps;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>A rep's optional team: set, changed and cleared by admins, validated, and carried in <c>LeadAssigned</c>.</summary>
public sealed class RepTeamTests(CrmServiceFactory<AssignmentEntryPoint> factory) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_rep_is_created_with_a_team_which_a_patch_changes_and_an_empty_string_clears()
    {
        using var created = await _client.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "Tea Mate", Capacity = 3, TeamId = " north " }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rep = (await created.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal("north", rep.TeamId);

        using var moved = await _client.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { TeamId = "south" }, CrmClient.JsonOptions);
        var south = (await moved.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(("south", 2L), (south.TeamId, south.Version));

        using var renamed = await _client.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { Name = "Tea Mate II" }, CrmClient.JsonOptions);
        Assert.Equal("south", (await renamed.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.TeamId);

        using var cleared = await _client.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { TeamId = "" }, CrmClient.JsonOptions);
        Assert.Null((await cleared.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.TeamId);
        Assert.Null((await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).TeamId);
    }

    [Theory]
    [InlineData("""{"name":"Ann","capacity":5,"teamId":"no spaces"}""")]
    [InlineData("""{"name":"Ann","capacity":5,"teamId":"a/b"}""")]
    public async Task An_invalid_team_is_400_naming_teamId(string body)
    {
        using var response = await _client.PostAsync(new Uri("/api/assignment/reps", UriKind.Relative), ApiHelpers.Json(body));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("teamId", out _), errors.ToString());
    }

    [Fact]
    public async Task A_rep_may_read_a_colleague_but_not_create_or_change_reps()
    {
        var colleague = await _client.CreateRepAsync("Colleague", 2);
        using var rep = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, "rep-a"));

        using var read = await rep.GetAsync(new Uri($"/api/assignment/reps/{colleague.Id}", UriKind.Relative));
        using var create = await rep.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "Eve", Capacity = 1 }, CrmClient.JsonOptions);
        using var patch = await rep.PatchAsJsonAsync($"/api/assignment/reps/{colleague.Id}", new UpdateRepRequest { Capacity = 99 }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, patch.StatusCode);
    }

    private static readonly RouteExplanation Why = new() { RuleId = "default", RuleName = "Everyone", Strategy = RoutingStrategy.RoundRobin };

    [Fact]
    public void LeadAssigned_carries_the_reps_team()
    {
        var now = DateTimeOffset.UtcNow;
        var lead = new LeadAssignment { Id = "l1", ContactId = "c1", Grade = Grade.Hot, Score = 30, ScoredAt = now, QueuedAt = now, Status = LeadStatus.Backlog };

        var withTeam = lead.AssignedEvent(new Rep { Id = "r1", Name = "Ann", Capacity = 1, Active = true, TeamId = "north", CreatedAt = now }, now, Why);
        var withoutTeam = lead.AssignedEvent(new Rep { Id = "r2", Name = "Bob", Capacity = 1, Active = true, CreatedAt = now }, now, Why);

        Assert.Equal("north", withTeam.TeamId);
        Assert.Null(withoutTeam.TeamId);
    }

    [Fact]
    public void LeadAssigned_carries_the_leads_source_channel_campaign_and_interest()
    {
        var now = DateTimeOffset.UtcNow;
        var lead = new LeadAssignment
        {
            Id = "l1", ContactId = "c1", Grade = Grade.Hot, Score = 30, ScoredAt = now, QueuedAt = now, Status = LeadStatus.Backlog,
            Source = "google-ads", Channel = "ads", Campaign = "spring-sale", Interest = "solar",
        };

        var assigned = lead.AssignedEvent(new Rep { Id = "r1", Name = "Ann", Capacity = 1, Active = true, CreatedAt = now }, now, Why);

        Assert.Equal(("google-ads", "ads", "spring-sale", "solar"), (assigned.Source, assigned.Channel, assigned.Campaign, assigned.Interest));
    }
}
