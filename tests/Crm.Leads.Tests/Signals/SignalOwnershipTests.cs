using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api.Leads;
using Crm.ServiceDefaults.Security;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Signals;

/// <summary>
/// <c>POST /api/leads/signals</c> and the ownership rule: a rep records signals only on their leads, a team lead on their
/// team's, managers, admins and keys on any; another's lead (by id or by the person's identifiers) answers exactly like
/// an unknown one and is left unchanged.
/// </summary>
public sealed class SignalOwnershipTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _admin = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<LeadResponse> AssignedLeadAsync(string email, string rep, string? team)
    {
        using var response = await _admin.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = email, Source = Unique("sig-own") }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        await factory.AssignAsync(lead.Id, lead.ContactId!, rep, team);
        return lead;
    }

    private async Task<RecordSignalsResponse> SendAsync(CallerIdentity caller, params SignalRequest[] items)
    {
        using var client = factory.CreateClient().As(caller);
        using var response = await client.PostAsJsonAsync("/api/leads/signals", new RecordSignalsRequest { Items = items }, CrmClient.JsonOptions);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RecordSignalsResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<LeadResponse> LeadAsync(string id) => (await _admin.GetFromJsonAsync<LeadResponse>($"/api/leads/{id}", CrmClient.JsonOptions))!;

    private static SignalResult Bare(SignalResult result) => result with { Index = 0 };

    [Fact]
    public async Task A_rep_records_signals_on_their_lead_and_another_reps_lead_answers_like_an_unknown_one_and_is_unchanged()
    {
        var (mineEmail, theirsEmail) = ($"{Unique("mine")}@example.com", $"{Unique("theirs")}@example.com");
        var mine = await AssignedLeadAsync(mineEmail, "rep-sa", "north");
        var theirs = await AssignedLeadAsync(theirsEmail, "rep-sb", "north");
        var before = await LeadAsync(theirs.Id);

        var answer = await SendAsync(
            TestIdentity.Person(PersonRoles.Rep, "rep-sa", "north"),
            new SignalRequest { Id = Unique("s"), Type = "page-view", LeadId = mine.Id },
            new SignalRequest { Id = Unique("s"), Type = "page-view", LeadId = theirs.Id },
            new SignalRequest { Id = Unique("s"), Type = "page-view", LeadId = Unique("no-such-lead") },
            new SignalRequest { Id = Unique("s"), Type = "reply", Email = theirsEmail },
            new SignalRequest { Id = Unique("s"), Type = "reply", Email = $"{Unique("nobody")}@example.com" });

        Assert.Equal([202, 404, 404, 404, 404], answer.Results.Select(r => r.Status));
        Assert.Equal(mine.Id, answer.Results[0].LeadId);
        Assert.Equal(Bare(answer.Results[2]), Bare(answer.Results[1]));
        Assert.Equal(Bare(answer.Results[4]), Bare(answer.Results[3]));
        Assert.Equal((1, 0, 4), (answer.Recorded, answer.Duplicates, answer.Rejected));
        var after = await LeadAsync(theirs.Id);
        Assert.Equal((before.Version, before.Score), (after.Version, after.Score));
        Assert.True((await LeadAsync(mine.Id)).Version > mine.Version);
    }

    [Fact]
    public async Task A_team_lead_records_signals_on_their_teams_leads_only_and_managers_and_keys_on_any()
    {
        var north = await AssignedLeadAsync($"{Unique("n")}@example.com", "rep-sn", "north");
        var south = await AssignedLeadAsync($"{Unique("s")}@example.com", "rep-ss", "south");

        var byLead = await SendAsync(
            TestIdentity.Person(PersonRoles.TeamLead, "lead-sn", "north"),
            new SignalRequest { Id = Unique("s"), Type = "click", LeadId = north.Id },
            new SignalRequest { Id = Unique("s"), Type = "click", LeadId = south.Id });
        var byManager = await SendAsync(TestIdentity.Person(PersonRoles.Manager, subject: "manager-s"), new SignalRequest { Id = Unique("s"), Type = "click", LeadId = south.Id });
        var byKey = await SendAsync(TestIdentity.Key("crm-shop", "leads:write"), new SignalRequest { Id = Unique("s"), Type = "click", LeadId = south.Id });

        Assert.Equal([202, 404], byLead.Results.Select(r => r.Status));
        Assert.Equal(202, Assert.Single(byManager.Results).Status);
        Assert.Equal(202, Assert.Single(byKey.Results).Status);
    }

    [Fact]
    public async Task By_e_mail_a_rep_reaches_the_newest_lead_of_the_person_that_they_own_never_a_colleagues_newer_one()
    {
        var email = $"{Unique("two")}@example.com";
        var older = await AssignedLeadAsync(email, "rep-se", null);
        using (var lost = await _admin.PostAsJsonAsync($"/api/leads/{older.Id}/lost", new LoseLeadRequest { Reason = "no-budget" }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        }

        var newer = await AssignedLeadAsync(email, "rep-sf", null);
        Assert.NotEqual(older.Id, newer.Id);
        var newerBefore = await LeadAsync(newer.Id);

        var answer = await SendAsync(TestIdentity.Person(PersonRoles.Rep, "rep-se"), new SignalRequest { Id = Unique("s"), Type = "email-open", Email = email });

        Assert.Equal((202, older.Id), (answer.Results[0].Status, answer.Results[0].LeadId));
        Assert.Equal(newerBefore.Version, (await LeadAsync(newer.Id)).Version);
    }
}
