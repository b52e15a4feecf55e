using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Signals;

/// <summary>The rule set as data through the API: the seed by default, a new version by admins only, every open lead rescored in the background with progress.</summary>
public sealed class ScoringRulesApiTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_new_rule_set_is_validated_saved_by_admins_and_rescores_open_leads_with_progress()
    {
        var seed = await _client.GetFromJsonAsync<ScoringRuleSet>("/api/leads/scoring-rules", CrmClient.JsonOptions);
        Assert.Equal(1, seed!.Version);
        Assert.Equal(["recent-interaction", "complete-data", "pages-visited"], seed.Rules.Select(r => r.Name));

        using var capture = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"r-{Guid.NewGuid():N}@example.com", Source = "rules", Interest = "Premium" }, CrmClient.JsonOptions);
        var lead = (await capture.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(0, lead.Score);

        var premium = new ScoringRule { Name = "premium-interest", Kind = "fit", Test = "value-in", Field = "interest", Values = ["premium"], Points = 30 };
        var next = seed with { Rules = [.. seed.Rules, premium] };

        using var rep = factory.CreateClient().As(TestIdentity.Person("manager"));
        using (var forbidden = await rep.PutAsJsonAsync("/api/leads/scoring-rules", next, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var admin = factory.CreateClient().As(TestIdentity.Admin);
        using (var invalid = await admin.PutAsJsonAsync("/api/leads/scoring-rules", next with { Rules = [premium with { Points = 0, Test = "astrology" }] }, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        using var saved = await admin.PutAsJsonAsync("/api/leads/scoring-rules", next, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Accepted, saved.StatusCode);
        var job = (await saved.Content.ReadFromJsonAsync<RescoreJobResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(2, job.RulesVersion);
        Assert.True(job.Total >= 1);

        var done = await Poll.ForAsync(
            async () =>
            {
                var read = await _client.GetFromJsonAsync<RescoreJobResponse>(saved.Headers.Location!.OriginalString, CrmClient.JsonOptions);
                return read!.Status == "done" ? read : null;
            },
            "the rescore to finish");
        Assert.Equal(done.Total, done.Done);
        Assert.True(done.Changed >= 1);

        var rescored = await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        Assert.Equal((30, 30, 2), (rescored!.Score, rescored.Fit, rescored.RulesVersion));
        Assert.Equal(Grade.Hot, rescored.Grade);
        var history = await _client.GetFromJsonAsync<Page<ScoreHistoryEntry>>($"/api/leads/{lead.Id}/score-history", CrmClient.JsonOptions);
        Assert.Equal("rules", history!.Items[0].Cause);

        var current = await _client.GetFromJsonAsync<ScoringRuleSet>("/api/leads/scoring-rules", CrmClient.JsonOptions);
        Assert.Equal(2, current!.Version);
    }
}
