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

namespace Crm.Leads.Tests;

/// <summary>
/// A capture's reported <c>capturedAt</c> (an ad lead form's submission time, an import): the lead's capture time and
/// <c>LeadCaptured</c>'s, within the window (5 minutes ahead, <c>Leads:MaxCapturedAtAge</c> back), a field error otherwise.
/// </summary>
public sealed class CapturedAtTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Whole seconds, as ad platforms report times (and stores keep milliseconds).</summary>
    private static DateTimeOffset DaysAgo(double days)
    {
        var at = DateTimeOffset.UtcNow.AddDays(-days);
        return new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);
    }

    private static CaptureLeadRequest Lead(string source, DateTimeOffset? capturedAt) => new()
    {
        Name = "Ada Form",
        Email = $"{source}@example.com",
        Source = source,
        Channel = Channel.Ads,
        PagesVisited = 2,
        LastInteractionAt = capturedAt?.AddMinutes(-10),
        CapturedAt = capturedAt,
    };

    private async Task<HttpResponseMessage> PostAsync(string path, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body, CrmClient.JsonOptions), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await _client.SendAsync(request);
    }

    private static async Task<LeadResponse> LeadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray(), StringComparer.Ordinal);
    }

    [Fact]
    public async Task A_reported_capturedAt_is_the_leads_capture_time_and_LeadCaptureds_while_the_score_is_as_of_now()
    {
        var source = Unique("fb-form");
        var capturedAt = DaysAgo(3.2);

        using var response = await PostAsync("/api/leads", Lead(source, capturedAt));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.Equal(capturedAt, lead.CapturedAt);
        Assert.Equal(capturedAt, Assert.Single(lead.StageHistory).At);
        // Scored now: the interaction ten minutes before a form sent three days ago is no longer "recent" (within 24 h).
        Assert.DoesNotContain(lead.ScoreBreakdown, l => l.Rule == "recent-interaction");
        Assert.Contains(lead.ScoreBreakdown, l => l.Rule == "pages-visited");

        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id), "LeadCaptured to be published");
        Assert.Equal(capturedAt, factory.Harness.Published.Select<LeadCaptured>().Single(x => x.Context.Message.LeadId == lead.Id).Context.Message.OccurredAt);

        // Lists filter and sort by it: the lead is found in its own day, not today.
        using var list = await _client.GetAsync($"/api/leads?source={source}&createdFrom={Uri.EscapeDataString(capturedAt.AddHours(-1).ToString("O"))}&createdTo={Uri.EscapeDataString(capturedAt.AddHours(1).ToString("O"))}");
        var page = (await list.Content.ReadFromJsonAsync<Page<LeadResponse>>(CrmClient.JsonOptions))!;
        Assert.Equal([lead.Id], page.Items.Select(l => l.Id));
    }

    [Fact]
    public async Task A_backdated_capture_while_contacts_is_down_is_announced_at_its_capturedAt_and_scored_as_when_it_was_accepted()
    {
        var email = $"late-{Guid.NewGuid():N}@example.com";
        var capturedAt = DaysAgo(4);
        factory.Contacts.TakeDown(email);
        using var response = await PostAsync("/api/leads", Lead(Unique("late"), capturedAt) with { Email = email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.Equal(capturedAt, lead.CapturedAt);

        factory.Contacts.BringBack(email);
        var captured = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id).FirstOrDefault()?.Context.Message),
            "LeadCaptured once Contacts answers",
            TimeSpan.FromSeconds(30));
        Assert.Equal(capturedAt, captured.OccurredAt);
        var scored = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadScored>(x => x.Context.Message.LeadId == lead.Id).FirstOrDefault()?.Context.Message),
            "LeadScored once Contacts answers");
        // As at the capture four days ago the interaction ten minutes before it would be "recent" (+10, for a moment).
        Assert.DoesNotContain(scored.Reasons, r => r.Rule == "recent-interaction");
    }

    [Fact]
    public async Task Without_capturedAt_the_lead_is_captured_now()
    {
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        using var response = await PostAsync("/api/leads", Lead(Unique("now"), capturedAt: null));
        var after = DateTimeOffset.UtcNow.AddMilliseconds(1);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.InRange(lead.CapturedAt, before, after);
    }

    [Fact]
    public async Task A_capturedAt_in_the_future_or_older_than_90_days_is_named_in_the_same_400_as_the_other_fields_and_stores_nothing()
    {
        var future = Unique("future");
        using var ahead = await PostAsync("/api/leads", Lead(future, DateTimeOffset.UtcNow.AddMinutes(10)) with { Source = null });
        var errors = await ErrorsAsync(ahead);
        Assert.Equal(["capturedAt", "source"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Not more than 5 minutes in the future."], errors["capturedAt"]);

        var old = Unique("old");
        using var tooOld = await PostAsync("/api/leads", Lead(old, DaysAgo(91)) with { Phone = "call me maybe" });
        errors = await ErrorsAsync(tooOld);
        Assert.Equal(["capturedAt", "phone"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Not older than 90 days (Leads:MaxCapturedAtAge)."], errors["capturedAt"]);

        Assert.Equal(0, await factory.LeadsFromSourceAsync(old));

        // Just inside both bounds: accepted (a clock a few minutes ahead, a form from 89 days ago).
        using var skewed = await PostAsync("/api/leads", Lead(Unique("skew"), DateTimeOffset.UtcNow.AddMinutes(4)));
        Assert.Equal(HttpStatusCode.Created, skewed.StatusCode);
        using var fair = await PostAsync("/api/leads", Lead(Unique("fair"), DaysAgo(89)));
        Assert.Equal(HttpStatusCode.Created, fair.StatusCode);
    }

    [Fact]
    public async Task Each_batch_item_carries_its_own_capturedAt_and_a_bad_one_is_that_items_400()
    {
        var good = Unique("import-good");
        var bad = Unique("import-bad");
        var capturedAt = DaysAgo(12.5);

        using var response = await PostAsync("/api/leads/batch", new BatchCaptureRequest { Items = [Lead(good, capturedAt), Lead(bad, DaysAgo(120))] });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<BatchCaptureResponse>(CrmClient.JsonOptions))!;
        var (first, second) = (answer.Results.Single(r => r.Index == 0), answer.Results.Single(r => r.Index == 1));
        Assert.Equal(201, first.Status);
        Assert.Equal(400, second.Status);
        Assert.Equal(["capturedAt"], second.Errors!.Keys);
        using var read = await _client.GetAsync($"/api/leads/{first.Id}");
        Assert.Equal(capturedAt, (await LeadAsync(read)).CapturedAt);
        Assert.Equal(0, await factory.LeadsFromSourceAsync(bad));
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_same_capturedAt_and_refuses_another_with_409()
    {
        var source = Unique("idem-at");
        var key = Unique("key");
        var capturedAt = DaysAgo(2);

        using var first = await PostAsync("/api/leads", Lead(source, capturedAt), key);
        using var replay = await PostAsync("/api/leads", Lead(source, capturedAt), key);
        using var other = await PostAsync("/api/leads", Lead(source, capturedAt.AddMinutes(1)), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await LeadAsync(first)).Id, (await LeadAsync(replay)).Id);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
    }

    [Fact]
    public async Task A_repeat_capture_reported_earlier_is_recorded_on_the_open_lead_which_keeps_its_capture_time()
    {
        var source = Unique("repeat-at");
        var opened = DaysAgo(2);

        using var first = await PostAsync("/api/leads", Lead(source, opened));
        using var earlier = await PostAsync("/api/leads", Lead(source, DaysAgo(5)) with { Interest = "heat-pump" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
        var lead = await LeadAsync(earlier);
        Assert.Equal((await LeadAsync(first)).Id, lead.Id);
        Assert.Equal(opened, lead.CapturedAt);
        Assert.Equal("heat-pump", lead.Interest);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
    }
}

/// <summary>The Leads service with <c>Leads:MaxCapturedAtAge</c> = 7 days.</summary>
public sealed class ShortCaptureWindowFactory : LeadsApiFactory
{
    public ShortCaptureWindowFactory() => Settings["Leads:MaxCapturedAtAge"] = "7.00:00:00";
}

public sealed class ConfiguredCaptureWindowTests(ShortCaptureWindowFactory factory) : IClassFixture<ShortCaptureWindowFactory>
{
    [Fact]
    public async Task The_capturedAt_window_comes_from_configuration()
    {
        using var client = factory.CreateClient();
        var request = new CaptureLeadRequest { Email = $"window-{Guid.NewGuid():N}@example.com", Source = "window", Channel = Channel.Web };

        using var inside = await client.PostAsJsonAsync("/api/leads", request with { CapturedAt = DateTimeOffset.UtcNow.AddDays(-6) }, CrmClient.JsonOptions);
        using var outside = await client.PostAsJsonAsync("/api/leads", request with { Email = $"window-{Guid.NewGuid():N}@example.com", CapturedAt = DateTimeOffset.UtcNow.AddDays(-8) }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.Created, inside.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("Not older than 7 days", await outside.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
