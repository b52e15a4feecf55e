using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Signals;

/// <summary><c>POST /api/leads/signals</c>: idempotent by id, by lead or by identity, scoring at once, events, history.</summary>
public sealed class SignalsApiTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<LeadResponse> CaptureAsync(string email)
    {
        using var response = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = email, Source = Unique("signals") }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<RecordSignalsResponse> SendAsync(params SignalRequest[] items)
    {
        using var response = await _client.PostAsJsonAsync("/api/leads/signals", new RecordSignalsRequest { Items = items }, CrmClient.JsonOptions);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RecordSignalsResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<LeadResponse> LeadAsync(string id) => (await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{id}", CrmClient.JsonOptions))!;

    [Fact]
    public async Task Signals_are_recorded_once_by_id_on_the_named_lead_and_score_it_at_once()
    {
        var email = $"{Unique("sig")}@example.com";
        var lead = await CaptureAsync(email);
        Assert.Equal((0, Grade.Cold), (lead.Score, lead.Grade));
        var (s1, s2) = (Unique("s"), Unique("s"));

        var answer = await SendAsync(
            new SignalRequest { Id = s1, Type = "page-view", LeadId = lead.Id },
            new SignalRequest { Id = s2, Type = "reply", Email = email.ToUpperInvariant() },
            new SignalRequest { Id = s1, Type = "page-view", LeadId = lead.Id },
            new SignalRequest { Id = Unique("s"), Type = "teleport", LeadId = lead.Id },
            new SignalRequest { Id = Unique("s"), Type = "click", LeadId = "no-such-lead" },
            new SignalRequest { Id = Unique("s"), Type = "click", LeadId = lead.Id, Email = email });

        Assert.Equal([202, 202, 200, 400, 404, 400], answer.Results.Select(r => r.Status));
        Assert.Equal((2, 1, 3), (answer.Recorded, answer.Duplicates, answer.Rejected));
        Assert.Equal(["type"], answer.Results[3].Errors!.Keys);
        Assert.Equal(["leadId"], answer.Results[5].Errors!.Keys);

        var scored = await LeadAsync(lead.Id);
        Assert.Equal((13, Grade.Warm, 13, 0), (scored.Score, scored.Grade, scored.Engagement, scored.Fit));
        Assert.Equal(["recent-interaction", "pages-visited"], scored.ScoreBreakdown.Select(l => l.Rule));
        Assert.All(scored.ScoreBreakdown, l => Assert.Equal("engagement", l.Part));
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadScoresChanged>(x => x.Context.Message.Scores.Any(s => s.LeadId == lead.Id && s.Score == 13 && s.PreviousScore == 0 && s.Cause == "signals")), "LeadScoresChanged with 0 -> 13");
        Assert.DoesNotContain(factory.Harness.Published.Select<LeadScored>(), x => x.Context.Message.LeadId == lead.Id && x.Context.Message.Cause == "signals");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<InteractionRecorded>(x => x.Context.Message.Interactions.Any(i => i.LeadId == lead.Id && i.Type == "reply" && i.SignalIds.Contains(s2))), "InteractionRecorded with the reply");

        var again = await SendAsync(new SignalRequest { Id = s1, Type = "page-view", LeadId = lead.Id }, new SignalRequest { Id = s2, Type = "reply", Email = email });
        Assert.Equal([200, 200], again.Results.Select(r => r.Status));
        Assert.Equal(scored.Version, (await LeadAsync(lead.Id)).Version);
    }

    [Fact]
    public async Task A_signal_may_name_the_person_by_the_external_id_given_at_capture()
    {
        var externalId = Unique("shop");
        using var response = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"{Unique("x")}@example.com", Source = Unique("signals"), ExternalId = $"  {externalId} " }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(externalId, lead.ExternalId);

        var answer = await SendAsync(
            new SignalRequest { Id = Unique("s"), Type = "cart-add", ExternalId = externalId },
            new SignalRequest { Id = Unique("s"), Type = "cart-add", ExternalId = Unique("shop") },
            new SignalRequest { Id = Unique("s"), Type = "cart-add", ExternalId = new string('x', 101) },
            new SignalRequest { Id = Unique("s"), Type = "cart-add", ExternalId = externalId, LeadId = lead.Id });

        Assert.Equal([202, 404, 400, 400], answer.Results.Select(r => r.Status));
        Assert.Equal(lead.Id, answer.Results[0].LeadId);
        Assert.Equal(["externalId"], answer.Results[2].Errors!.Keys);
        Assert.Equal(["leadId"], answer.Results[3].Errors!.Keys);
        Assert.Equal(lead.Version + 1, (await LeadAsync(lead.Id)).Version);
    }

    [Fact]
    public async Task A_signal_may_name_the_person_by_the_phone_in_e164_as_the_lead_holds_it()
    {
        var digits = Random.Shared.NextInt64(10_000_000, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Phone = $"0151 {digits}", Source = Unique("signals") }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"+49151{digits}", lead.Phone);

        var answer = await SendAsync(
            new SignalRequest { Id = Unique("s"), Type = "page-view", Phone = $" +49151{digits} " },
            new SignalRequest { Id = Unique("s"), Type = "page-view", Phone = $"0151 {digits}" },
            new SignalRequest { Id = Unique("s"), Type = "page-view", Phone = "+4915100000000" },
            new SignalRequest { Id = Unique("s"), Type = "page-view", Phone = lead.Phone, Email = "x@example.com" });

        Assert.Equal([202, 400, 404, 400], answer.Results.Select(r => r.Status));
        Assert.Equal(lead.Id, answer.Results[0].LeadId);
        Assert.Equal(["phone"], answer.Results[1].Errors!.Keys);
        var read = await LeadAsync(lead.Id);
        Assert.Equal(lead.Version + 1, read.Version);
        Assert.Contains(read.ScoreBreakdown, l => l.Rule == "pages-visited" && l.Points == 3);
    }

    [Fact]
    public async Task Crossing_into_hot_is_announced_once_per_crossing_and_the_history_explains_each_change()
    {
        var lead = await CaptureAsync($"{Unique("hot")}@example.com");

        await SendAsync(new SignalRequest { Id = Unique("s"), Type = "page-view", LeadId = lead.Id, Count = 3 });
        await SendAsync(new SignalRequest { Id = Unique("s"), Type = "download", LeadId = lead.Id });
        await SendAsync(new SignalRequest { Id = Unique("s"), Type = "page-view", LeadId = lead.Id });

        var read = await LeadAsync(lead.Id);
        Assert.Equal((22, Grade.Hot), (read.Score, read.Grade));
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadBecameHot>(x => x.Context.Message.LeadId == lead.Id), "LeadBecameHot");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadScoresChanged>(x => x.Context.Message.Scores.Any(s => s.LeadId == lead.Id && s.Score == 22)), "LeadScoresChanged with 22");
        Assert.Single(factory.Harness.Published.Select<LeadBecameHot>(), x => x.Context.Message.LeadId == lead.Id);

        // 19 (3 pages + interaction) did not change with the download (only the interaction's time moved): no history entry for it.
        var history = await _client.GetFromJsonAsync<Page<ScoreHistoryEntry>>($"/api/leads/{lead.Id}/score-history", CrmClient.JsonOptions);
        Assert.Equal([(22, "signals"), (19, "signals"), (0, "capture")], history!.Items.Select(h => (h.Score, h.Cause)));
        Assert.Equal((19, Grade.Warm), (history.Items[0].PreviousScore, history.Items[0].PreviousGrade));
    }

    [Fact]
    public async Task A_request_over_1000_signals_is_400()
    {
        var items = Enumerable.Range(0, 1001).Select(i => new SignalRequest { Id = $"x{i}", Type = "click", LeadId = "l" }).ToArray();

        using var response = await _client.PostAsJsonAsync("/api/leads/signals", new RecordSignalsRequest { Items = items }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
