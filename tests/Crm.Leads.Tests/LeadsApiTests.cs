using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Leads.Tests;

public sealed class LeadsApiTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A complete capture from <paramref name="source"/>, by a person of its own (e-mail and phone derived from the source): one contact per source.</summary>
    private static CaptureLeadRequest Full(string source) => new()
    {
        Name = "Ana Lima",
        Email = $"  Ana.Lima.{Tag(source)}@Example.COM ",
        Phone = $"0151 {Digits(source)[..4]}-{Digits(source)[4..]}",
        Source = source,
        Channel = Channel.Whatsapp,
        PagesVisited = 4,
        LastInteractionAt = DateTimeOffset.UtcNow.AddHours(-1),
        Fields = new Dictionary<string, string> { ["utm_campaign"] = "spring" },
    };

    private static string Tag(string source) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..12];

    private static string Digits(string source) =>
        (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(source))) % 100_000_000UL).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The e-mail of <see cref="Full"/> as Contacts normalises it.</summary>
    private static string EmailOf(string source) => $"ana.lima.{Tag(source)}@example.com";

    /// <summary>The phone of <see cref="Full"/> in E.164.</summary>
    private static string PhoneOf(string source) => $"+49151{Digits(source)}";

    private static string Json(object body) => JsonSerializer.Serialize(body, CrmClient.JsonOptions);

    private async Task<HttpResponseMessage> PostAsync(string json, string? idempotencyKey = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = new StringContent(json, Encoding.UTF8, mediaType) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return await _client.SendAsync(request);
    }

    private static async Task<LeadResponse> LeadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        return [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    private async Task<(long Leads, long Outbox, int Calls)> SnapshotAsync() =>
        (await factory.LeadCountAsync(), await factory.OutboxCountAsync(), factory.Contacts.AnsweredCalls);

    /// <summary>
    /// The counts once the outbox is empty: the events earlier tests committed are published by then, so none of them
    /// leaves the outbox between this snapshot and the test's next one.
    /// </summary>
    private async Task<(long Leads, long Outbox, int Calls)> SettledSnapshotAsync()
    {
        await Poll.UntilAsync(async () => await factory.OutboxCountAsync() == 0, "the outbox to be published");
        return await SnapshotAsync();
    }

    [Fact]
    public async Task Capture_returns_201_with_location_score_grade_and_breakdown()
    {
        var source = Unique("landing");

        using var response = await PostAsync(Json(Full(source)));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.Equal($"/api/leads/{lead.Id}", response.Headers.Location?.OriginalString);
        Assert.False(string.IsNullOrEmpty(lead.ContactId));
        Assert.Equal("Ana Lima", lead.Name);
        Assert.Equal(EmailOf(source), lead.Email);
        Assert.Equal(PhoneOf(source), lead.Phone);
        Assert.Equal(source, lead.Source);
        Assert.Equal(Channel.Whatsapp, lead.Channel);
        Assert.Equal("spring", lead.Fields["utm_campaign"]);
        Assert.Equal(27, lead.Score);
        Assert.Equal(Grade.Hot, lead.Grade);
        Assert.Equal(
            [("recent-interaction", 10), ("complete-data", 5), ("pages-visited", 12)],
            lead.ScoreBreakdown.Select(l => (l.Rule, l.Points)));
        Assert.Equal("4 pages x 3", lead.ScoreBreakdown[2].Detail);
        Assert.Null(lead.OwnerId);
        Assert.Equal(1, lead.Version);

        using var get = await _client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var read = await LeadAsync(get);
        Assert.Equal(lead.Id, read.Id);
        Assert.Equal(lead.ContactId, read.ContactId);
        Assert.Equal(27, read.Score);
        Assert.Equal(Grade.Hot, read.Grade);
        Assert.Equal(lead.ScoreBreakdown, read.ScoreBreakdown);
        Assert.Equal(lead.CapturedAt, read.CapturedAt);
        Assert.Equal(lead.LastInteractionAt, read.LastInteractionAt);
    }

    [Fact]
    public async Task Json_uses_lower_case_enums()
    {
        using var response = await PostAsync(Json(Full(Unique("enums"))));

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("whatsapp", document.RootElement.GetProperty("channel").GetString());
        Assert.Equal("hot", document.RootElement.GetProperty("grade").GetString());
        Assert.Equal("recent-interaction", document.RootElement.GetProperty("scoreBreakdown")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Capture_publishes_LeadCaptured_and_LeadScored()
    {
        var source = Unique("events");
        using var response = await PostAsync(Json(Full(source)));
        var lead = await LeadAsync(response);

        // Polled: once the shared harness has been idle for its inactivity timeout, Any() no longer waits.
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id), "LeadCaptured to be published");
        await Poll.UntilAsync(() => factory.Harness.Published.Any<LeadScored>(x => x.Context.Message.LeadId == lead.Id), "LeadScored to be published");

        var captured = factory.Harness.Published.Select<LeadCaptured>().Single(x => x.Context.Message.LeadId == lead.Id).Context.Message;
        Assert.Equal(lead.ContactId, captured.ContactId);
        Assert.Equal("whatsapp", captured.Channel);
        Assert.Equal(EmailOf(source), captured.Email);
        Assert.Equal(PhoneOf(source), captured.Phone);
        Assert.Equal(4, captured.PagesVisited);
        var scored = factory.Harness.Published.Select<LeadScored>().Single(x => x.Context.Message.LeadId == lead.Id).Context.Message;
        Assert.Equal(27, scored.Score);
        Assert.Equal("hot", scored.Grade);
        Assert.Equal("whatsapp", scored.Channel);
        Assert.Equal(["recent-interaction", "complete-data", "pages-visited"], scored.Reasons.Select(r => r.Rule));
    }

    [Fact]
    public async Task A_bare_lead_scores_zero_and_is_cold()
    {
        var request = new CaptureLeadRequest { Phone = "+351 912 345 678", Source = Unique("bare"), Channel = Channel.Sms };

        using var response = await PostAsync(Json(request));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.Equal(0, lead.Score);
        Assert.Equal(Grade.Cold, lead.Grade);
        Assert.Empty(lead.ScoreBreakdown);
        Assert.Null(lead.Email);
        Assert.Equal("+351912345678", lead.Phone);
        Assert.Empty(lead.Fields);
    }

    [Fact]
    public async Task A_lead_scoring_exactly_20_is_warm_not_hot()
    {
        // complete data (5) + 5 pages (15) = 20, no interaction
        var request = Full(Unique("twenty")) with { LastInteractionAt = null, PagesVisited = 5 };

        using var response = await PostAsync(Json(request));

        var lead = await LeadAsync(response);
        Assert.Equal(20, lead.Score);
        Assert.Equal(Grade.Warm, lead.Grade);
    }

    [Fact]
    public async Task The_same_person_twice_is_one_contact_and_one_open_lead_the_second_capture_recorded_on_it()
    {
        var source = Unique("twice");
        using var first = await PostAsync(Json(Full(source) with { Interest = null }));
        using var second = await PostAsync(Json(Full(source) with { Email = null, Phone = "+49 151 " + PhoneOf(source)[6..], Interest = "premium", Region = "DE" }));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var lead = await LeadAsync(first);
        var repeated = await LeadAsync(second);
        Assert.Equal(lead.Id, repeated.Id);
        Assert.Equal($"/api/leads/{lead.Id}", second.Headers.Location?.OriginalString);
        Assert.Equal(lead.ContactId, repeated.ContactId);
        Assert.Equal("premium", repeated.Interest);
        Assert.Equal("DE", repeated.Region);
        Assert.Equal(EmailOf(source), repeated.Email);
        Assert.Equal(lead.Version + 1, repeated.Version);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
    }

    [Fact]
    public async Task Without_channel_the_channel_is_inferred_from_the_source_else_unknown()
    {
        using var ads = await PostAsync($$"""{"email":"{{Unique("ads")}}@example.com","source":"facebook-ads-spring"}""");
        using var unknown = await PostAsync($$"""{"email":"{{Unique("kiosk")}}@example.com","source":"kiosk-7"}""");
        using var utm = await PostAsync($$$"""{"email":"{{{Unique("utm")}}}@example.com","source":"spring","utm":{"source":"google","medium":"cpc","campaign":"spring-sale"}}""");

        Assert.Equal(Channel.Ads, (await LeadAsync(ads)).Channel);
        Assert.Equal(Channel.Unknown, (await LeadAsync(unknown)).Channel);
        var fromUtm = await LeadAsync(utm);
        Assert.Equal(Channel.Ads, fromUtm.Channel);
        Assert.Equal("spring-sale", fromUtm.Campaign);
        Assert.Equal("cpc", fromUtm.Utm?.Medium);
    }

    [Fact]
    public async Task A_bad_phone_and_a_missing_source_are_named_in_one_answer()
    {
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync($$"""{"email":"{{Unique("both")}}@example.com","phone":"call me maybe"}""");

        Assert.Equal(["phone", "source"], await ErrorFieldsAsync(response));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_new_lead_starts_open_in_the_first_stage_of_its_pipeline()
    {
        var source = Unique("stage");
        using var response = await PostAsync(Json(Full(source) with { Budget = new Money { Amount = "99.9", Currency = "EUR" }, DecisionDate = new DateOnly(2026, 12, 24) }));

        var lead = await LeadAsync(response);
        Assert.Equal(("default", "new", LeadStatus.Open), (lead.PipelineId, lead.Stage, lead.Status));
        var entry = Assert.Single(lead.StageHistory);
        Assert.Equal((null, "new"), (entry.From, entry.To));
        Assert.Equal("99.90", lead.Budget?.Amount);
        Assert.Equal(new DateOnly(2026, 12, 24), lead.DecisionDate);
    }

    public static TheoryData<string, string, string[]> InvalidBodies()
    {
        var source101 = new string('s', 101);
        var name201 = new string('n', 201);
        var value1001 = new string('v', 1001);
        var fields51 = "{" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"f{i}\":\"v\"")) + "}";
        return new TheoryData<string, string, string[]>
        {
            { "no e-mail nor phone", """{"source":"s","channel":"web"}""", ["email", "phone"] },
            { "blank e-mail and phone", """{"email":" ","phone":"","source":"s","channel":"web"}""", ["email", "phone"] },
            { "malformed e-mail", """{"email":"ana-at-example.com","source":"s","channel":"web"}""", ["email"] },
            { "source missing", """{"email":"a@b.co","channel":"web"}""", ["source"] },
            { "source empty", """{"email":"a@b.co","source":"","channel":"web"}""", ["source"] },
            { "source blank", """{"email":"a@b.co","source":"   ","channel":"web"}""", ["source"] },
            { "source too long", $$"""{"email":"a@b.co","source":"{{source101}}","channel":"web"}""", ["source"] },
            { "channel unknown", """{"email":"a@b.co","source":"s","channel":"fax"}""", ["channel"] },
            { "channel as number", """{"email":"a@b.co","source":"s","channel":1}""", ["channel"] },
            { "pages negative", """{"email":"a@b.co","source":"s","channel":"web","pagesVisited":-1}""", ["pagesVisited"] },
            { "pages over 10000", """{"email":"a@b.co","source":"s","channel":"web","pagesVisited":10001}""", ["pagesVisited"] },
            { "pages not a number", """{"email":"a@b.co","source":"s","channel":"web","pagesVisited":"many"}""", ["pagesVisited"] },
            { "name too long", $$"""{"email":"a@b.co","source":"s","channel":"web","name":"{{name201}}"}""", ["name"] },
            { "too many fields", $$"""{"email":"a@b.co","source":"s","channel":"web","fields":{{fields51}}}""", ["fields"] },
            { "field value too long", $$$"""{"email":"a@b.co","source":"s","channel":"web","fields":{"note":"{{{value1001}}}"}}""", ["fields.note"] },
            { "unknown field", """{"email":"a@b.co","source":"s","channel":"web","ownerId":"me"}""", ["ownerId"] },
            { "bad timestamp", """{"email":"a@b.co","source":"s","channel":"web","lastInteractionAt":"yesterday"}""", ["lastInteractionAt"] },
            { "not an object", "null", ["$"] },
            { "empty body", "", ["$"] },
            { "broken JSON", """{"email":"a@b.co",""", ["$"] },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_capture_is_400_naming_the_field_and_stores_nothing(string because, string json, string[] fields)
    {
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync(json);

        var named = await ErrorFieldsAsync(response);
        Assert.True(fields.AsEnumerable().SequenceEqual(named), $"{because}: expected errors on [{string.Join(", ", fields)}], got [{string.Join(", ", named)}]");
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Limits_are_inclusive()
    {
        var request = new CaptureLeadRequest
        {
            Name = new string('n', 200),
            Email = $"{Unique("limits")}@example.com",
            Source = new string('s', 100),
            Channel = Channel.Web,
            PagesVisited = 10_000,
            Fields = Enumerable.Range(0, 50).ToDictionary(i => $"f{i}", _ => new string('v', 1000)),
        };

        using var response = await PostAsync(Json(request));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var lead = await LeadAsync(response);
        Assert.Equal(100, lead.Score); // the combined score is clamped to 0..100; the rule's own line keeps its points
        Assert.Equal(30_000, Assert.Single(lead.ScoreBreakdown, l => l.Rule == "pages-visited").Points);
    }

    [Fact]
    public async Task A_phone_contacts_cannot_normalise_is_400_on_phone_and_stores_nothing()
    {
        var source = Unique("badphone");
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync(Json(new CaptureLeadRequest { Phone = "call me maybe", Source = source, Channel = Channel.Phone }));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The phone number is not valid.", problem.GetProperty("errors").GetProperty("phone")[0].GetString());
        Assert.Equal(0, await factory.LeadsFromSourceAsync(source));
        Assert.Equal((before.Leads, before.Outbox), ((await SnapshotAsync()).Leads, (await SnapshotAsync()).Outbox));
    }

    [Fact]
    public async Task Contacts_unavailable_stores_the_lead_with_its_contact_pending_and_announces_nothing_yet()
    {
        var source = Unique("down");
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync(Json(new CaptureLeadRequest { Name = "Ana", Email = " Ana" + FakeContactDirectory.UnavailableDomain, Phone = "030 1234567", Source = source, Channel = Channel.Web }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/leads/{lead.Id}", response.Headers.Location?.ToString());
        Assert.True(lead.ContactPending);
        Assert.Null(lead.ContactId);
        Assert.Equal("Ana" + FakeContactDirectory.UnavailableDomain, lead.Email);
        Assert.Equal("030 1234567", lead.Phone);
        Assert.True(lead.Score > 0, "scored on the identities as captured");
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
        Assert.Equal(before.Outbox, (await SnapshotAsync()).Outbox);
        Assert.Empty(factory.Harness.Published.Select<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id));
        Assert.NotNull(await factory.Store.GetAsync(PlatformCollections.Timers, TimerRecord.IdOf(ResolvePendingContact.TimerKind, lead.Id)));
        var read = await factory.CreateClient().GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
        Assert.True(read!.ContactPending);
    }

    [Fact]
    public async Task A_pending_contact_is_resolved_scored_and_announced_once_when_contacts_answers_again()
    {
        var email = $"back-{Guid.NewGuid():N}@example.com";
        factory.Contacts.TakeDown(email);
        using var response = await PostAsync(Json(new CaptureLeadRequest { Name = "Bo", Email = email.ToUpperInvariant(), Phone = "030 7654321", Source = Unique("back"), Channel = Channel.Web }), idempotencyKey: email);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

        factory.Contacts.BringBack(email);
        var resolved = await Poll.ForAsync(
            async () => await factory.CreateClient().GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions) is { ContactPending: false } r ? r : null,
            "the pending contact to be resolved",
            TimeSpan.FromSeconds(30));

        Assert.False(string.IsNullOrEmpty(resolved.ContactId));
        Assert.Equal(email, resolved.Email);
        Assert.Equal("+49307654321", resolved.Phone);
        Assert.Equal(lead.Version + 1, resolved.Version);
        var captured = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id).FirstOrDefault()?.Context.Message),
            "LeadCaptured to be published");
        Assert.Equal(resolved.ContactId, captured.ContactId);
        Assert.Equal(lead.CapturedAt, captured.OccurredAt);
        var scored = await Poll.ForAsync(
            () => Task.FromResult(factory.Harness.Published.Select<LeadScored>(x => x.Context.Message.LeadId == lead.Id).FirstOrDefault()?.Context.Message),
            "LeadScored to be published");
        Assert.Equal(resolved.Score, scored.Score);
        Assert.Single(factory.Harness.Published.Select<LeadCaptured>(x => x.Context.Message.LeadId == lead.Id));
        Assert.Null(await factory.Store.GetAsync(PlatformCollections.Timers, TimerRecord.IdOf(ResolvePendingContact.TimerKind, lead.Id)));

        // The retry of the capture answers as the first response did: 202, the same lead, no second one.
        using var replay = await PostAsync(Json(new CaptureLeadRequest { Name = "Bo", Email = email.ToUpperInvariant(), Phone = "030 7654321", Source = resolved.Source, Channel = Channel.Web }), idempotencyKey: email);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(lead.Id, (await replay.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!.Id);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(resolved.Source));
    }

    [Fact]
    public async Task The_first_capture_contacts_answers_after_an_outage_brings_every_pending_contact_forward()
    {
        var email = $"waiting-{Guid.NewGuid():N}@example.com";
        factory.Contacts.TakeDown(email);
        using var response = await PostAsync(Json(new CaptureLeadRequest { Name = "Cy", Email = email, Source = Unique("waiting"), Channel = Channel.Web }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var lead = (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

        // Its back-off has grown long (as after many failed attempts); then Contacts is back.
        using var scope = factory.Services.CreateScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        unit.Schedule(ResolvePendingContact.TimerKind, lead.Id, unit.Now.AddHours(1));
        await unit.CommitAsync();
        factory.Contacts.BringBack(email);

        using var answered = await PostAsync(Json(new CaptureLeadRequest { Name = "Di", Email = $"answered-{Guid.NewGuid():N}@example.com", Source = Unique("answered"), Channel = Channel.Web }));
        Assert.Equal(HttpStatusCode.Created, answered.StatusCode);

        var resolved = await Poll.ForAsync(
            async () => await factory.CreateClient().GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions) is { ContactPending: false } r ? r : null,
            "the pending contact to be resolved long before its timer's hour",
            TimeSpan.FromSeconds(20));
        Assert.False(string.IsNullOrEmpty(resolved.ContactId));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 8)]
    [InlineData(4, 15)]
    [InlineData(1000, 15)]
    public void A_pending_contact_is_asked_for_again_after_a_doubling_delay_of_at_most_15_seconds(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ResolvePendingContact.Delay(attempt));

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync("email=a@b.co", mediaType: "application/x-www-form-urlencoded");

        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Without_idempotency_key_a_repeat_for_the_same_person_is_recorded_on_its_open_lead_another_person_is_a_new_lead()
    {
        var source = Unique("nokey");
        using var first = await PostAsync(Json(Full(source)));
        using var second = await PostAsync(Json(Full(source)));
        using var other = await PostAsync(Json(Full(Unique("nokey-other"))));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var lead = await LeadAsync(first);
        Assert.Equal(lead.Id, (await LeadAsync(second)).Id);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual(lead.Id, (await LeadAsync(other)).Id);
    }

    [Fact]
    public async Task Same_idempotency_key_and_body_returns_the_first_response_and_stores_one_lead()
    {
        var source = Unique("idem");
        var key = Unique("key");
        var body = Json(Full(source));

        using var first = await PostAsync(body, key);
        var calls = factory.Contacts.CallsFor(EmailOf(source));
        using var second = await PostAsync(body, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await LeadAsync(first)).Id, (await LeadAsync(second)).Id);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
        Assert.Equal(calls, factory.Contacts.CallsFor(EmailOf(source)));
    }

    [Fact]
    public async Task Same_idempotency_key_with_another_body_is_409()
    {
        var source = Unique("idem409");
        var key = Unique("key");
        using var first = await PostAsync(Json(Full(source)), key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await PostAsync(Json(Full(source) with { PagesVisited = 9 }), key);

        var problem = await ProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Contains("idempotency", problem.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_idempotency_key_store_one_lead()
    {
        var source = Unique("race");
        var key = Unique("key");
        var body = Json(Full(source));

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(body, key)));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var ids = await Task.WhenAll(responses.Select(async r => (await LeadAsync(r)).Id));
            Assert.Single(ids.Distinct());
            Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Two_callers_may_use_the_same_idempotency_key_each_for_their_own_lead()
    {
        var key = $"order-{Guid.NewGuid():N}";
        using var shop = factory.CreateClient().As(TestIdentity.Key("web-shop", "leads:write"));
        using var pos = factory.CreateClient().As(TestIdentity.Key("pos", "leads:write"));

        var bodies = new Dictionary<string, string> { ["shop"] = Json(Full("shop")), ["pos"] = Json(Full("pos")) };
        async Task<HttpResponseMessage> CaptureAsync(HttpClient client, string source)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/leads") { Content = new StringContent(bodies[source], Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        using var fromShop = await CaptureAsync(shop, "shop");
        using var fromPos = await CaptureAsync(pos, "pos");
        using var shopAgain = await CaptureAsync(shop, "shop");

        Assert.Equal(HttpStatusCode.Created, fromShop.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromPos.StatusCode);
        var shopLead = await LeadAsync(fromShop);
        Assert.NotEqual(shopLead.Id, (await LeadAsync(fromPos)).Id);
        Assert.Equal(HttpStatusCode.Created, shopAgain.StatusCode);
        var replayed = await shopAgain.Content.ReadAsStringAsync();
        Assert.Contains(shopLead.Id, replayed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idempotency_key_over_200_characters_is_400()
    {
        var before = await SettledSnapshotAsync();

        using var response = await PostAsync(Json(Full(Unique("longkey"))), new string('k', 201));

        Assert.Equal(["Idempotency-Key"], await ErrorFieldsAsync(response));
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Lead_assigned_sets_the_owner()
    {
        using var response = await PostAsync(Json(Full(Unique("assign"))));
        var lead = await LeadAsync(response);
        var assignedAt = new DateTimeOffset(2026, 11, 22, 18, 30, 15, 250, TimeSpan.Zero);

        await factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = assignedAt,
            LeadId = lead.Id,
            ContactId = lead.ContactId!,
            RepId = "rep-rita",
            RepName = "Rita Rep",
            Grade = "hot",
            Score = 27,
        });

        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadAssigned>(x => x.Context.Message.LeadId == lead.Id), "LeadAssigned to be consumed");
        var owned = await Poll.ForAsync(
            async () =>
            {
                var read = await _client.GetFromJsonAsync<LeadResponse>($"/api/leads/{lead.Id}", CrmClient.JsonOptions);
                return read?.OwnerId is null ? null : read;
            },
            "the lead to show its owner");
        Assert.Equal("rep-rita", owned.OwnerId);
        Assert.Equal("Rita Rep", owned.OwnerName);
        Assert.Equal(assignedAt, owned.AssignedAt);
        Assert.Equal(2, owned.Version);
    }

    [Fact]
    public async Task Unknown_lead_is_404()
    {
        using var response = await _client.GetAsync($"/api/leads/{Guid.NewGuid():N}");

        var problem = await ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("Lead not found.", problem.GetProperty("title").GetString());
    }
}
