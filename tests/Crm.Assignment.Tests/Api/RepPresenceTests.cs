using System.Net;
using System.Net.Http.Json;
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

/// <summary>A rep's presence: only an available rep is given leads; back to available, the backlog drains to them; who may set it.</summary>
public sealed class RepPresenceTests
{
    private static Task<HttpResponseMessage> SetAsync(HttpClient client, string repId, object body) =>
        client.PutAsJsonAsync($"/api/assignment/reps/{repId}/presence", body, CrmClient.JsonOptions);

    private static LeadScored Scored(string grade, int score) => new()
    {
        EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = Guid.CreateVersion7().ToString("N"), ContactId = Guid.CreateVersion7().ToString("N"), Score = score, Grade = grade,
    };

    [Fact]
    public async Task An_away_rep_is_given_nothing_and_takes_the_backlog_when_available_again()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var client = factory.CreateClient();
        var ann = await client.CreateRepAsync("Ann", 5);
        Assert.Equal(Presence.Available, ann.Presence);

        using (var away = await SetAsync(client, ann.Id, new { presence = "away" }))
        {
            Assert.Equal(HttpStatusCode.OK, away.StatusCode);
            var rep = (await away.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
            Assert.Equal((Presence.Away, ann.Version + 1), (rep.Presence, rep.Version));
        }

        var lead = Scored("hot", 30);
        await factory.Harness.Bus.Publish(lead);
        await client.WaitsInBacklogAsync(lead.LeadId, "the lead waiting while Ann is away");

        using (var back = await SetAsync(client, ann.Id, new { presence = "available" }))
        {
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
            Assert.Equal(1, (await back.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.OpenLeads);
        }

        var assigned = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadAssigned>(x => x.Context.Message.LeadId == lead.LeadId).FirstOrDefault()?.Context.Message),
            "the waiting lead assigned to Ann");
        Assert.Equal(ann.Id, assigned.RepId);
        // RepChanged leaves through the outbox: polled, not assumed sent by now.
        await Poll.UntilAsync(
            () => Task.FromResult(factory.Harness.Published.Select<RepChanged>(x => x.Context.Message.RepId == ann.Id && x.Context.Message.Presence == "away").Any()),
            "RepChanged with presence away");
    }

    [Fact]
    public async Task A_rep_sets_their_own_presence_a_team_lead_their_teams_and_nobody_else_theirs()
    {
        await using var factory = new CrmServiceFactory<AssignmentEntryPoint>();
        var admin = factory.CreateClient();
        var ana = await admin.CreateRepAsync("Ana", 3);
        using (var team = await admin.PatchAsJsonAsync($"/api/assignment/reps/{ana.Id}", new UpdateRepRequest { TeamId = "north" }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, team.StatusCode);
        }

        var bo = await admin.CreateRepAsync("Bo", 3);
        using var asAna = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, ana.Id));
        using var asBo = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Rep, bo.Id));
        using var asLead = factory.CreateClient().As(TestIdentity.Person(PersonRoles.TeamLead, "lead-1", team: "north"));

        using var own = await SetAsync(asAna, ana.Id, new { presence = "offline" });
        using var other = await SetAsync(asBo, ana.Id, new { presence = "available" });
        using var byLead = await SetAsync(asLead, ana.Id, new { presence = "away" });
        using var notTheirTeam = await SetAsync(asLead, bo.Id, new { presence = "away" });
        using var invalid = await SetAsync(admin, bo.Id, new { presence = "asleep" });
        using var missing = await SetAsync(admin, bo.Id, new { });
        using var create = await asAna.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "Eve", Capacity = 1 }, CrmClient.JsonOptions);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.Forbidden],
            new[] { own, other, byLead, notTheirTeam, invalid, missing, create }.Select(r => r.StatusCode));
        Assert.Equal(Presence.Away, (await admin.ReadAsync<RepResponse>($"/api/assignment/reps/{ana.Id}")).Presence);
        Assert.Equal(Presence.Available, (await admin.ReadAsync<RepResponse>($"/api/assignment/reps/{bo.Id}")).Presence);
        Assert.Contains("presence", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
