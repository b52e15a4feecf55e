using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

/// <summary>
/// The lead process through the gateway with real processes: every field error of a capture in one 400 (Contacts' own
/// through the real gRPC <c>CheckIdentities</c>), the pipeline enforced step by step, signals scoring the lead, the
/// scored lead still assigned by Assignment, and the prediction saying plainly that there is not enough history.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class LeadProcessTests(Platform platform) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => platform.EnsureRepTakingLeadsAsync("Pia Process");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected) => platform.SendAsync(method, path, body, expected);

    [Fact]
    public async Task A_lead_is_checked_in_full_then_worked_through_its_pipeline_and_scored_by_its_signals()
    {
        // One 400 for everything wrong: the missing source (Leads) and the phone Contacts cannot read (gRPC).
        var invalid = await SendAsync(HttpMethod.Post, "/api/leads", new { email = $"x.{Guid.NewGuid():N}@example.com", phone = "12" }, HttpStatusCode.BadRequest);
        Assert.Equal(["phone", "source"], invalid.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("too short", invalid.GetProperty("errors").GetProperty("phone")[0].GetString(), StringComparison.Ordinal);

        // No channel: inferred from the source.
        var email = $"paula.{Guid.NewGuid():N}@example.com";
        var lead = await SendAsync(HttpMethod.Post, "/api/leads", new { name = "Paula Process", email, source = "facebook-ads-winter" }, HttpStatusCode.Created);
        var id = lead.GetProperty("id").GetString()!;
        Assert.Equal("ads", lead.GetProperty("channel").GetString());
        Assert.Equal("new", lead.GetProperty("stage").GetString());
        await Poll.UntilAsync(async () => (await platform.Api.GetLeadAsync(id)).Content?.OwnerId is not null, "the lead to be assigned", Deadline);

        // The process is enforced: no call, no move.
        var refused = await SendAsync(HttpMethod.Post, $"/api/leads/{id}/stage", new { stage = "contacted" }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("call", refused.GetProperty("missingActivities")[0].GetString());
        await SendAsync(HttpMethod.Post, $"/api/leads/{id}/activities", new { type = "call", note = "reached her" }, HttpStatusCode.Created);
        Assert.Equal("contacted", (await SendAsync(HttpMethod.Post, $"/api/leads/{id}/stage", new { stage = "contacted" }, HttpStatusCode.OK)).GetProperty("stage").GetString());

        // Assignment hears the call (LeadActivityLogged) and the move: the first-contact clock gives way to a follow-up
        // clock, and the lead says which rule routed it and why.
        await Poll.UntilAsync(
            async () =>
            {
                var assignment = await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{id}", null, HttpStatusCode.OK);
                return assignment.TryGetProperty("firstContactAt", out _) && assignment.GetProperty("sla").GetProperty("sla").GetString() == "follow-up";
            },
            "Assignment to see the first contact",
            Deadline);
        var worked = await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{id}", null, HttpStatusCode.OK);
        // Which rule depends on what other tests of the shared platform configured; that one routed it, and said so.
        Assert.False(string.IsNullOrEmpty(worked.GetProperty("explanation").GetProperty("ruleId").GetString()));
        Assert.True(worked.GetProperty("explanation").GetProperty("eligible").GetInt32() >= 1);
        Assert.Contains(worked.GetProperty("history").EnumerateArray(), h => h.GetProperty("kind").GetString() == "activity");

        // Signals by e-mail score the lead at once (the reply is an interaction: +10; two page views +6).
        var signals = await SendAsync(
            HttpMethod.Post,
            "/api/leads/signals",
            new { items = new object[] { new { id = $"{id}-1", type = "reply", email }, new { id = $"{id}-2", type = "page-view", leadId = id, count = 2 } } },
            HttpStatusCode.OK);
        Assert.Equal(2, signals.GetProperty("recorded").GetInt32());
        var scored = (await platform.Api.GetLeadAsync(id)).Content!;
        Assert.Equal(16, scored.Score);
        Assert.Equal(Grade.Warm, scored.Grade);

        // A second capture of the same person is recorded on the open lead.
        var again = await SendAsync(HttpMethod.Post, "/api/leads", new { email = email.ToUpperInvariant(), source = "newsletter", interest = "solar" }, HttpStatusCode.OK);
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal("solar", again.GetProperty("interest").GetString());

        var prediction = await SendAsync(HttpMethod.Get, $"/api/leads/{id}/prediction", null, HttpStatusCode.OK);
        Assert.False(prediction.GetProperty("available").GetBoolean());
        Assert.Contains("a model needs 200 closed leads", prediction.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var lost = await SendAsync(HttpMethod.Post, $"/api/leads/{id}/lost", new { reason = "bad-timing" }, HttpStatusCode.OK);
        Assert.Equal("lost", lost.GetProperty("status").GetString());

        // Assignment hears it (LeadLost over the broker): the lead no longer takes its owner's capacity.
        await Poll.UntilAsync(
            async () => (await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{id}", null, HttpStatusCode.OK)).TryGetProperty("closedAs", out var closedAs) && closedAs.GetString() == "lost",
            "Assignment to close the lost lead",
            Deadline);
        Assert.Equal("closed", (await SendAsync(HttpMethod.Get, $"/api/assignment/leads/{id}", null, HttpStatusCode.OK)).GetProperty("status").GetString());
        var list = await SendAsync(HttpMethod.Get, $"/api/leads?status=lost&source=facebook-ads-winter&contactId={lead.GetProperty("contactId").GetString()}", null, HttpStatusCode.OK);
        Assert.Equal(id, list.GetProperty("items")[0].GetProperty("id").GetString());
    }
}
