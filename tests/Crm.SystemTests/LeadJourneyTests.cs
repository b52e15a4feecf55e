using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Gateway;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.SystemTests;

/// <summary>
/// One lead through the whole platform, through the gateway, with real processes, a real RabbitMQ and a real SMTP
/// server: capture → contact → score → assignment → welcome e-mail → analytics.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class LeadJourneyTests(Platform platform, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => platform.EnsureRepTakingLeadsAsync("Rita Rep");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public Task A_lead_captured_while_contacts_is_down_is_accepted_then_resolved_assigned_and_welcomed_when_it_is_back() => WithDiagnostics(async () =>
    {
        var email = $"olga.{Guid.NewGuid():N}@example.com";
        LeadResponse lead;
        await platform.StopAsync("contacts");
        try
        {
            var clock = Stopwatch.StartNew();
            var captured = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Name = "Olga Outage", Email = email, Source = "outage", Channel = Channel.Web });
            output.WriteLine($"[timing] capture while Contacts is down answered in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.Accepted, captured.StatusCode);
            lead = captured.Content!;
            Assert.True(lead.ContactPending);
            Assert.Null(lead.ContactId);
            Assert.Equal($"/api/leads/{lead.Id}", captured.Headers?.Location?.ToString());
        }
        finally
        {
            await platform.StartAsync("contacts");
        }

        var assigned = await Poll.ForAsync(
            async () => (await platform.Api.GetLeadAsync(lead.Id)).Content is { ContactPending: false, OwnerId: not null } l ? l : null,
            "the pending lead to be resolved and assigned once Contacts is back",
            Deadline);
        Assert.False(string.IsNullOrEmpty(assigned.ContactId));
        var welcome = await Poll.ForAsync(
            async () => (await platform.Smtp.ReadMessagesAsync()).FirstOrDefault(m => m.Contains(email, StringComparison.OrdinalIgnoreCase)),
            "the welcome e-mail at the SMTP sink",
            Deadline);
        Assert.Contains("Olga Outage", welcome, StringComparison.Ordinal);
    });

    [Fact]
    public Task A_captured_lead_is_scored_assigned_welcomed_and_counted() => WithDiagnostics(async () =>
    {
        var name = $"Anna Journey {Guid.NewGuid():N}"[..24];
        var email = $"anna.{Guid.NewGuid():N}@example.com";
        var phone = RandomGermanNumber();
        var before = await SummaryTodayAsync();

        var clock = Stopwatch.StartNew();
        var captured = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest
        {
            Name = name,
            Email = email,
            Phone = $"+49 30 {phone}",
            Source = "spring-landing",
            Channel = Channel.Web,
            PagesVisited = 4,
            LastInteractionAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        });
        Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
        var lead = captured.Content!;

        // Seed rule: +10 recent interaction, +5 complete data, +3 x 4 pages = 27 > 20: hot.
        Assert.Equal(27, lead.Score);
        Assert.Equal(Grade.Hot, lead.Grade);
        Assert.Equal(27, lead.ScoreBreakdown.Sum(l => l.Points));
        Assert.Equal(3, lead.ScoreBreakdown.Count);
        Assert.False(string.IsNullOrEmpty(lead.ContactId));

        var welcome = await Poll.ForAsync(
            async () => (await platform.Smtp.ReadMessagesAsync()).FirstOrDefault(m => m.Contains(email, StringComparison.OrdinalIgnoreCase)),
            "the welcome e-mail at the SMTP sink",
            Deadline);
        var captureToEmail = clock.Elapsed;
        Assert.Contains(name, welcome, StringComparison.Ordinal);
        output.WriteLine($"[timing] capture to welcome e-mail at the SMTP sink, first lead: {captureToEmail.TotalMilliseconds:0} ms");

        var assigned = await Poll.ForAsync(
            async () => (await platform.Api.GetLeadAsync(lead.Id)).Content is { OwnerId: not null } l ? l : null,
            "the lead to show its owner",
            Deadline);
        Assert.Equal(lead.ContactId, assigned.ContactId);
        Assert.False(string.IsNullOrEmpty(assigned.OwnerName));

        var contact = await Poll.ForAsync(
            async () => (await platform.Api.GetContactAsync(lead.ContactId)).Content is { } c
                        && c.Timeline.Any(t => t.Type == "message-sent" && t.LeadId == lead.Id)
                        && c.Timeline.Any(t => t.Type == "lead-assigned" && t.LeadId == lead.Id)
                        && c.Timeline.Any(t => t.Type == "lead-captured" && t.LeadId == lead.Id)
                ? c
                : null,
            "the contact's timeline to show capture, assignment and the e-mail",
            Deadline);
        Assert.Contains(email, contact.Emails);

        var messages = await platform.Api.ListMessagesAsync(leadId: lead.Id);
        Assert.Equal("welcome", Assert.Single(messages.Content!.Items).Template);

        // Once every process has warmed up (connections open, code jitted): the same path again.
        var warmEmail = $"anna.warm.{Guid.NewGuid():N}@example.com";
        clock.Restart();
        var warm = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Name = name, Email = warmEmail, Source = "spring-landing", Channel = Channel.Web });
        Assert.Equal(HttpStatusCode.Created, warm.StatusCode);
        await Poll.ForAsync(
            async () => (await platform.Smtp.ReadMessagesAsync()).FirstOrDefault(m => m.Contains(warmEmail, StringComparison.OrdinalIgnoreCase)),
            "the second welcome e-mail at the SMTP sink",
            Deadline);
        output.WriteLine($"[timing] capture to welcome e-mail, warm: {clock.Elapsed.TotalMilliseconds:0} ms");

        await Poll.UntilAsync(
            async () =>
            {
                var now = await SummaryTodayAsync();
                return now.LeadsCaptured >= before.LeadsCaptured + 1
                       && now.LeadsBySource.GetValueOrDefault("spring-landing") >= before.LeadsBySource.GetValueOrDefault("spring-landing") + 1
                       && now.ScoredByGrade.GetValueOrDefault("hot") >= before.ScoredByGrade.GetValueOrDefault("hot") + 1
                       && now.LeadsAssigned >= before.LeadsAssigned + 1
                       && now.MessagesSent >= before.MessagesSent + 1;
            },
            "analytics to count the lead, its score, its assignment and the e-mail",
            Deadline);
    });

    [Fact]
    public Task The_same_person_with_the_phone_written_differently_is_one_contact() => WithDiagnostics(async () =>
    {
        var number = RandomGermanNumber();
        var first = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest
        {
            Name = "Bernd Twice",
            Phone = $"+49 30 {number}",
            Source = "google-ads",
            Channel = Channel.Ads,
        });
        var second = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest
        {
            Phone = $"030-{number}",
            Email = $"bernd.{Guid.NewGuid():N}@example.com",
            Source = "whatsapp-campaign",
            Channel = Channel.Whatsapp,
        });

        // One person, so one open lead: the second capture is recorded on it (200), what it adds filled in.
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.Content!.Id, second.Content!.Id);
        Assert.Equal(first.Content.ContactId, second.Content.ContactId);
        Assert.NotNull(second.Content.Email);

        var contact = (await platform.Api.GetContactAsync(first.Content.ContactId!)).Content!;
        Assert.Equal($"+4930{number}", Assert.Single(contact.Phones));
        Assert.Single(contact.Emails);
        Assert.Equal("Bernd Twice", contact.Name);
    });

    [Fact]
    public Task A_retried_capture_with_the_same_idempotency_key_creates_one_lead() => WithDiagnostics(async () =>
    {
        var key = Guid.NewGuid().ToString();
        var request = new CaptureLeadRequest
        {
            Name = "Clara Retry",
            Email = $"clara.{Guid.NewGuid():N}@example.com",
            Source = "partner-api",
            Channel = Channel.Email,
        };

        var first = await platform.Api.CaptureLeadAsync(request, key);
        var retry = await platform.Api.CaptureLeadAsync(request, key);
        var otherBody = await platform.Api.CaptureLeadAsync(request with { Name = "Someone Else" }, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Content!.Id, retry.Content!.Id);
        Assert.Equal(HttpStatusCode.Conflict, otherBody.StatusCode);

        // The chain of the one lead completes; the contact saw exactly one capture.
        var contact = await Poll.ForAsync(
            async () => (await platform.Api.GetContactAsync(first.Content.ContactId!)).Content is { } c
                        && c.Timeline.Any(t => t.Type == "message-sent")
                ? c
                : null,
            "the retried lead's welcome e-mail on the contact's timeline",
            Deadline);
        Assert.Single(contact.Timeline, t => t.Type == "lead-captured");
    });

    [Fact]
    public Task A_lead_captured_while_assignment_is_down_is_assigned_when_it_is_back_and_data_survives_restarts() => WithDiagnostics(async () =>
    {
        var email = $"dora.{Guid.NewGuid():N}@example.com";
        var first = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Name = "Dora Durable", Email = email, Source = "restart-check", Channel = Channel.Sms });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await Poll.UntilAsync(async () => (await platform.Api.GetLeadAsync(first.Content!.Id)).Content?.OwnerId is not null, "the first lead to be assigned", Deadline);

        // Leads restarts (killed, as in a crash): what it stored is still there.
        await platform.RestartAsync("leads");
        var reread = await platform.Api.GetLeadAsync(first.Content!.Id);
        Assert.Equal(HttpStatusCode.OK, reread.StatusCode);
        Assert.Equal(first.Content.Score, reread.Content!.Score);
        Assert.NotNull(reread.Content.OwnerId);

        // Assignment is down while a lead is captured (another person's: Dora's own would be recorded on her open lead):
        // the event waits in RabbitMQ and is applied when it is back.
        await platform.StopAsync("assignment");
        var second = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Name = "Dirk Durable", Email = $"dirk.{Guid.NewGuid():N}@example.com", Source = "restart-check", Channel = Channel.Sms });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await platform.StartAsync("assignment");
        await Poll.UntilAsync(async () => (await platform.Api.GetLeadAsync(second.Content!.Id)).Content?.OwnerId is not null, "the lead captured during the outage to be assigned", Deadline);
    });

    [Fact]
    public Task Without_the_api_key_the_gateway_answers_401() => WithDiagnostics(async () =>
    {
        var anonymous = CrmClient.Create(platform.Gateway, apiKey: null);
        var response = await anonymous.CaptureLeadAsync(new CaptureLeadRequest { Email = "x@example.com", Source = "s", Channel = Channel.Web });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var wrongKey = CrmClient.Create(platform.Gateway, apiKey: "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAnalyticsSummaryAsync()).StatusCode);
    });

    [Fact]
    public Task A_capture_only_key_captures_but_reads_nothing_and_no_service_answers_without_the_gateways_identity() => WithDiagnostics(async () =>
    {
        // The admin creates the web form's key through the gateway's own API; it is stored hashed in the gateway's store.
        var created = await platform.Api.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "landing-page", Scopes = ["leads:write"] });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webForm = CrmClient.Create(platform.Gateway, created.Content!.Key);
        var captured = await webForm.CaptureLeadAsync(new CaptureLeadRequest
        {
            Name = "Form Only",
            Email = $"form.{Guid.NewGuid():N}@example.com",
            Source = "landing",
            Channel = Channel.Web,
        });
        Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
        var landingPage = new Actor { Kind = "key", Id = created.Content.ApiKey.Id, Name = "landing-page" };
        Assert.Equal(landingPage, captured.Content!.CapturedBy);

        var read = await webForm.GetLeadAsync(captured.Content!.Id);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        var reps = await webForm.ListRepsAsync();
        Assert.Equal(HttpStatusCode.Forbidden, reps.StatusCode);

        // Around the gateway: the service's own port answers 401 without the gateway's signed identity, and with
        // the capture key itself (services never see nor accept API keys).
        using var direct = new HttpClient();
        var leadUrl = new Uri($"http://127.0.0.1:{platform.Ports["leads"].Http}/api/leads/{captured.Content.Id}");
        using var anonymous = await direct.GetAsync(leadUrl);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Get, leadUrl);
        withKey.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", created.Content.Key);
        using var keyed = await direct.SendAsync(withKey);
        Assert.Equal(HttpStatusCode.Unauthorized, keyed.StatusCode);

        // The admin key reads what the capture key wrote; once revoked, the capture key is refused.
        var asAdmin = await platform.Api.GetLeadAsync(captured.Content.Id);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Equal(landingPage, asAdmin.Content!.CapturedBy);
        Assert.Equal(HttpStatusCode.NoContent, (await platform.Api.RevokeApiKeyAsync(created.Content.ApiKey.Id)).StatusCode);
        var afterRevoke = await webForm.CaptureLeadAsync(new CaptureLeadRequest { Email = $"late.{Guid.NewGuid():N}@example.com", Source = "landing", Channel = Channel.Web });
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    });

    [Fact]
    public Task A_lead_without_email_and_phone_is_a_400_naming_the_fields() => WithDiagnostics(async () =>
    {
        var response = await platform.Api.CaptureLeadAsync(new CaptureLeadRequest { Name = "No Way To Reach", Source = "web-form", Channel = Channel.Web });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(((Refit.ApiException)response.Error!).Content!);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _) || errors.TryGetProperty("phone", out _), problem.RootElement.ToString());
    });

    private async Task<Crm.Contracts.Api.Analytics.Counts> SummaryTodayAsync()
    {
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var response = await platform.Api.GetAnalyticsSummaryAsync(today, today);
        Assert.True(response.IsSuccessStatusCode, (response.Error as Refit.ApiException)?.Content);
        return response.Content!.Totals;
    }

    private static string RandomGermanNumber() => Random.Shared.Next(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task WithDiagnostics(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(platform.Diagnostics());
            output.WriteLine("--- smtp-sink ---\n" + platform.Smtp.Output);
            throw;
        }
    }
}
