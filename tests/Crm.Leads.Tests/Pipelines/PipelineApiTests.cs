using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Pipelines;

/// <summary>Pipelines through the API: enforced moves (422 naming exactly what is missing), won, lost, reopen, activities, patch, versions.</summary>
public sealed class PipelineApiTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<LeadResponse> CaptureAsync(string? pipeline = null)
    {
        var body = new CaptureLeadRequest { Name = "Pia", Email = $"{Unique("pia")}@example.com", Source = Unique("pipe"), Pipeline = pipeline };
        using var response = await _client.PostAsJsonAsync("/api/leads", body, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<HttpResponseMessage> PostAsync(string path, object body) =>
        await _client.PostAsJsonAsync(path, body, CrmClient.JsonOptions);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static string[] Strings(JsonElement problem, string name) => [.. problem.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<LeadResponse> OkAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
    }

    private async Task PatchAsync(string id, string json)
    {
        using var response = await _client.PatchAsync($"/api/leads/{id}", new StringContent(json, Encoding.UTF8, "application/merge-patch+json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Issue 9: "phone (a call logged)": a phone capture logs the call, by who captured it, so the lead may leave <c>new</c>.</summary>
    [Fact]
    public async Task A_phone_capture_logs_a_call_by_its_capturer_that_lets_the_lead_leave_new()
    {
        var phone = $"+49151{Random.Shared.NextInt64(10_000_000, 100_000_000)}";
        using var captured = await PostAsync("/api/leads", new CaptureLeadRequest { Name = "Tom", Phone = phone, Source = Unique("hotline"), Channel = Channel.Phone });
        Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
        var lead = (await captured.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

        var call = Assert.Single(lead.Activities);
        Assert.Equal(("call", lead.CapturedAt), (call.Type, call.At));
        Assert.NotNull(lead.CapturedBy);
        Assert.Equal(lead.CapturedBy, call.By);
        var contacted = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }));
        Assert.Equal("contacted", contacted.Stage);

        // Another call from the same person is logged on the open lead too.
        using var again = await PostAsync("/api/leads", new CaptureLeadRequest { Phone = phone, Source = Unique("hotline"), Channel = Channel.Phone });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var repeated = (await again.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(lead.Id, repeated.Id);
        Assert.Equal(["call", "call"], repeated.Activities.Select(a => a.Type));

        // The call is part of the capture (LeadCaptured, channel phone): no LeadActivityLogged of its own.
        await Poll.UntilAsync(async () => await factory.OutboxCountAsync() == 0, "the outbox to be published");
        Assert.Contains(factory.Harness.Published.Select<LeadCaptured>(), x => x.Context.Message.LeadId == lead.Id && x.Context.Message.Channel == "phone");
        Assert.DoesNotContain(factory.Harness.Published.Select<LeadActivityLogged>(), x => x.Context.Message.LeadId == lead.Id);
    }

    [Fact]
    public async Task A_capture_whose_source_says_call_is_a_phone_capture_and_logs_the_call_other_channels_log_nothing()
    {
        using var inferred = await PostAsync("/api/leads", new CaptureLeadRequest { Email = $"{Unique("c")}@example.com", Source = "inbound call" });
        using var web = await PostAsync("/api/leads", new CaptureLeadRequest { Email = $"{Unique("w")}@example.com", Source = Unique("form"), Channel = Channel.Web });

        var byPhone = (await inferred.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(Channel.Phone, byPhone.Channel);
        Assert.Equal(["call"], byPhone.Activities.Select(a => a.Type));
        Assert.Empty((await web.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!.Activities);
    }

    [Fact]
    public async Task A_patch_naming_a_member_twice_or_not_json_is_a_400_and_changes_nothing()
    {
        var lead = await CaptureAsync();
        foreach (var body in new[] { """{"interest":"basic","interest":"premium"}""", """{"interest": """, "[1]" })
        {
            using var response = await _client.PatchAsync($"/api/leads/{lead.Id}", new StringContent(body, Encoding.UTF8, "application/merge-patch+json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var after = await OkAsync(await _client.GetAsync($"/api/leads/{lead.Id}"));
        Assert.Equal((lead.Version, lead.Interest), (after.Version, after.Interest));
    }

    [Fact]
    public async Task An_activity_sent_again_with_its_idempotency_key_is_logged_once()
    {
        var lead = await CaptureAsync();
        var key = Unique("call");
        async Task<HttpResponseMessage> LogAsync(string leadId, string note)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/leads/{leadId}/activities")
            {
                Content = JsonContent.Create(new LogActivityRequest { Type = "call", Note = note }, options: CrmClient.JsonOptions),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await _client.SendAsync(request);
        }

        using var first = await LogAsync(lead.Id, "first call");
        using var again = await LogAsync(lead.Id, "first call");
        using var other = await LogAsync(lead.Id, "another note");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, other.StatusCode));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        var read = await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        Assert.Single(read!.Activities, a => a.Type == "call");
    }

    /// <summary>Issue 12: a call the telephony system logs in Messaging (<c>CallLogged</c>) is the lead's call activity, once.</summary>
    [Fact]
    public async Task A_call_logged_in_Messaging_is_the_leads_call_activity_once_and_lets_it_leave_new()
    {
        var lead = await CaptureAsync();
        var call = new Crm.Contracts.Messaging.CallLogged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            MessageId = Unique("m"),
            ContactId = lead.ContactId!,
            LeadId = lead.Id,
            Direction = "outbound",
            Outcome = "answered",
            StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
            DurationSeconds = 120,
            RepId = "rep-1",
            ProviderCallId = Unique("CA"),
        };

        await factory.Harness.Bus.Publish(call);
        await factory.Harness.Bus.Publish(call with { EventId = Guid.NewGuid() });
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadActivityLogged>(x => x.Context.Message.LeadId == lead.Id && x.Context.Message.ActivityId == call.MessageId), "LeadActivityLogged of the call");
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<Crm.Contracts.Messaging.CallLogged>(x => x.Context.Message.MessageId == call.MessageId).Count() == 2), "both deliveries consumed");

        var read = await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        var activity = Assert.Single(read!.Activities, a => a.Type == "call");
        Assert.Equal((call.MessageId, Crm.ServiceDefaults.Storage.Ids.TruncateToMs(call.StartedAt)), (activity.Id, activity.At));
        var contacted = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }));
        Assert.Equal("contacted", contacted.Stage);
    }

    [Fact]
    public async Task The_default_pipeline_is_enforced_step_by_step_from_new_to_won()
    {
        var lead = await CaptureAsync();

        using (var noCall = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }))
        {
            var problem = await ProblemAsync(noCall, HttpStatusCode.UnprocessableEntity);
            Assert.Equal("new", problem.GetProperty("stage").GetString());
            Assert.Equal(["call"], Strings(problem, "missingActivities"));
            Assert.Empty(Strings(problem, "missingFields"));
        }

        using (var call = await PostAsync($"/api/leads/{lead.Id}/activities", new LogActivityRequest { Type = "call", Note = "first call" }))
        {
            Assert.Equal(HttpStatusCode.Created, call.StatusCode);
        }

        var contacted = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }));
        Assert.Equal("contacted", contacted.Stage);
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadStageChanged>(x => x.Context.Message.LeadId == lead.Id && x.Context.Message.ToStage == "contacted"), "LeadStageChanged");

        await PatchAsync(lead.Id, """{"interest":"premium"}""");
        await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "qualified" }));

        using (var noBudget = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "proposal" }))
        {
            var problem = await ProblemAsync(noBudget, HttpStatusCode.UnprocessableEntity);
            Assert.Equal(["budget", "decisionDate"], Strings(problem, "missingFields"));
            Assert.Contains("budget, decisionDate", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await PatchAsync(lead.Id, """{"budget":{"amount":"900","currency":"EUR"},"decisionDate":"2026-12-24"}""");
        await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "proposal" }));

        using (var noQuote = await PostAsync($"/api/leads/{lead.Id}/won", new WinLeadRequest { Value = new Money { Amount = "890.00", Currency = "EUR" } }))
        {
            Assert.Equal(["quote-sent"], Strings(await ProblemAsync(noQuote, HttpStatusCode.UnprocessableEntity), "missingActivities"));
        }

        (await PostAsync($"/api/leads/{lead.Id}/activities", new LogActivityRequest { Type = "quote-sent" })).Dispose();
        var won = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/won", new WinLeadRequest { Value = new Money { Amount = "890.5", Currency = "EUR" } }));

        Assert.Equal(LeadStatus.Won, won.Status);
        Assert.Equal("890.50", won.Value?.Amount);
        Assert.NotNull(won.ClosedAt);
        Assert.Equal(["new", "contacted", "qualified", "proposal", "proposal"], won.StageHistory.Select(h => h.To));
        Assert.All(won.StageHistory, h => Assert.NotNull(h.By));
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadWon>(x => x.Context.Message.LeadId == lead.Id && x.Context.Message.Amount == "890.50"), "LeadWon");

        using var closed = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "negotiation" });
        await ProblemAsync(closed, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_move_not_listed_as_next_is_422_and_a_step_back_needs_no_criteria()
    {
        var lead = await CaptureAsync();

        using var skip = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "proposal" });
        var problem = await ProblemAsync(skip, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("may move to contacted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var unknown = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "heaven" });
        await ProblemAsync(unknown, HttpStatusCode.UnprocessableEntity);

        (await PostAsync($"/api/leads/{lead.Id}/activities", new LogActivityRequest { Type = "call" })).Dispose();
        await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }));
        await PatchAsync(lead.Id, """{"interest":"basic"}""");
        await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "qualified" }));
        var back = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "contacted" }));
        Assert.Equal("contacted", back.Stage);
    }

    [Fact]
    public async Task Lost_needs_a_listed_reason_and_reopening_is_explicit()
    {
        var lead = await CaptureAsync();

        using (var bad = await PostAsync($"/api/leads/{lead.Id}/lost", new LoseLeadRequest { Reason = "moon-phase" }))
        {
            var problem = await ProblemAsync(bad, HttpStatusCode.BadRequest);
            Assert.Contains("no-budget", problem.GetProperty("errors").GetProperty("reason")[0].GetString(), StringComparison.Ordinal);
        }

        var lost = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/lost", new LoseLeadRequest { Reason = "no-budget", Note = "maybe in spring" }));
        Assert.Equal((LeadStatus.Lost, "no-budget", "maybe in spring"), (lost.Status, lost.LostReason, lost.LostNote));
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadLost>(x => x.Context.Message.LeadId == lead.Id && x.Context.Message.Reason == "no-budget"), "LeadLost");

        // Closed: a new capture of the same person opens a new lead.
        using var again = await _client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = lead.Email, Source = "again" }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var second = (await again.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.NotEqual(lead.Id, second.Id);

        // ... so the first cannot be reopened while the second is open.
        using (var conflict = await PostAsync($"/api/leads/{lead.Id}/reopen", new ReopenLeadRequest()))
        {
            await ProblemAsync(conflict, HttpStatusCode.Conflict);
        }

        await OkAsync(await PostAsync($"/api/leads/{second.Id}/lost", new LoseLeadRequest { Reason = "duplicate" }));
        var reopened = await OkAsync(await PostAsync($"/api/leads/{lead.Id}/reopen", new ReopenLeadRequest()));
        Assert.Equal((LeadStatus.Open, "new", null), (reopened.Status, reopened.Stage, reopened.LostReason));
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadReopened>(x => x.Context.Message.LeadId == lead.Id && x.Context.Message.PreviousStatus == "lost"), "LeadReopened");
    }

    [Fact]
    public async Task A_pipeline_is_saved_as_versions_by_admins_only_and_checked_field_by_field()
    {
        var id = $"p{Guid.NewGuid():N}"[..20];
        var definition = new PipelineDefinition
        {
            Name = "Solar installs",
            Stages =
            [
                new PipelineStage { Key = "inquiry", Next = ["survey"], RequiredFields = ["fields.roof"] },
                new PipelineStage { Key = "survey", Next = ["offer"], RequiredActivities = ["site-visit"] },
                new PipelineStage { Key = "offer" },
            ],
            WinFrom = ["offer"],
            LostReasons = ["roof-unsuitable", "price"],
        };

        using var rep = factory.CreateClient().As(TestIdentity.Person("rep", rep: "rep-1"));
        using (var forbidden = await rep.PutAsJsonAsync($"/api/leads/pipelines/{id}", definition, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        using var admin = factory.CreateClient().As(TestIdentity.Admin);
        using (var created = await admin.PutAsJsonAsync($"/api/leads/pipelines/{id}", definition, CrmClient.JsonOptions))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        }

        using (var invalid = await admin.PutAsJsonAsync(
            $"/api/leads/pipelines/{id}",
            definition with { Stages = [new PipelineStage { Key = "Bad Key", Next = ["nowhere"], RequiredFields = ["shoeSize"] }], LostReasons = [] },
            CrmClient.JsonOptions))
        {
            var problem = await ProblemAsync(invalid, HttpStatusCode.BadRequest);
            Assert.Equal(
                ["lostReasons", "stages[0].key", "stages[0].next[0]", "stages[0].requiredFields[0]", "winFrom[0]"],
                problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        var lead = await CaptureAsync(id);
        Assert.Equal((id, "inquiry"), (lead.PipelineId, lead.Stage));
        using (var noRoof = await PostAsync($"/api/leads/{lead.Id}/stage", new MoveStageRequest { Stage = "survey" }))
        {
            Assert.Equal(["fields.roof"], Strings(await ProblemAsync(noRoof, HttpStatusCode.UnprocessableEntity), "missingFields"));
        }

        using (var removing = await admin.PutAsJsonAsync($"/api/leads/pipelines/{id}", definition with { Stages = [new PipelineStage { Key = "survey" }], WinFrom = null }, CrmClient.JsonOptions))
        {
            Assert.Contains("inquiry (1 open leads)", (await ProblemAsync(removing, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/leads/pipelines/{id}") { Content = JsonContent.Create(definition with { Name = "Solar" }, options: CrmClient.JsonOptions) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        using (var response = await admin.SendAsync(stale))
        {
            await ProblemAsync(response, HttpStatusCode.PreconditionFailed);
        }

        using var renamed = await admin.PutAsJsonAsync($"/api/leads/pipelines/{id}", definition with { Name = "Solar" }, CrmClient.JsonOptions);
        Assert.Equal(2, (await renamed.Content.ReadFromJsonAsync<PipelineDefinition>(CrmClient.JsonOptions))!.Version);
        var first = await _client.GetFromJsonAsync<PipelineDefinition>($"/api/leads/pipelines/{id}/versions/1", CrmClient.JsonOptions);
        Assert.Equal("Solar installs", first!.Name);
        var current = await _client.GetFromJsonAsync<PipelineDefinition>($"/api/leads/pipelines/{id}", CrmClient.JsonOptions);
        Assert.Equal(("Solar", 2L), (current!.Name, current.Version));
    }

    [Fact]
    public async Task A_rep_cannot_move_a_lead_that_is_not_theirs()
    {
        var lead = await CaptureAsync();
        using var rep = factory.CreateClient().As(TestIdentity.Person("rep", rep: "rep-nobody"));

        using var response = await rep.PostAsJsonAsync($"/api/leads/{lead.Id}/lost", new LoseLeadRequest { Reason = "other" }, CrmClient.JsonOptions);

        await ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patch_names_every_bad_member_and_honours_if_match()
    {
        var lead = await CaptureAsync();

        using var bad = await _client.PatchAsync($"/api/leads/{lead.Id}", new StringContent("""{"budget":{"amount":"1.234","currency":"EUR"},"decisionDate":"soon","stage":"won","fields":{"a":1}}""", Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal(["budget", "decisionDate", "fields.a", "stage"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/leads/{lead.Id}") { Content = new StringContent("""{"interest":"x"}""", Encoding.UTF8, "application/json") };
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{lead.Version + 5}\"");
        using (var response = await _client.SendAsync(stale))
        {
            await ProblemAsync(response, HttpStatusCode.PreconditionFailed);
        }

        await PatchAsync(lead.Id, """{"interest":"x","fields":{"roof":"south"}}""");
        await PatchAsync(lead.Id, """{"interest":null,"fields":{"roof":null,"kids":"2"}}""");
        var read = await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        Assert.Null(read!.Interest);
        Assert.Equal(["kids"], read.Fields.Keys);
        Assert.Equal(lead.Version + 2, read.Version);
    }
}
