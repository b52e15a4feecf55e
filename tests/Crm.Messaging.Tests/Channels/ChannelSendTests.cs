using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using Xunit;

namespace Crm.Messaging.Tests.Channels;

/// <summary>Messaging with WireMock.Net on loopback as its SMS (Twilio-like) and WhatsApp (Cloud-like) providers.</summary>
public sealed class ProviderFixture : IDisposable
{
    public const string AccountSid = "AC-test";
    public const string AuthToken = "sms-secret";
    public const string SmsFrom = "+15550000000";
    public const string WhatsAppToken = "wa-token";
    public const string PhoneNumberId = "1234567890";
    public const string AppSecret = "wa-app-secret";
    public const string VerifyToken = "wa-verify";
    public const string BounceSecret = "bounce-secret";
    public const string StatusCallback = "https://crm.example.com/api/messaging/providers/sms/status";

    public ProviderFixture()
        : this(new MessagingApiFactory())
    {
    }

    /// <summary>The providers' settings on <paramref name="factory"/> (e.g. one with a fake clock).</summary>
    internal ProviderFixture(MessagingApiFactory factory)
    {
        Provider = WireMockServer.Start();
        Factory = factory;
        Factory.Settings["Channels:Sms:BaseUrl"] = Provider.Url;
        Factory.Settings["Channels:Sms:AccountSid"] = AccountSid;
        Factory.Settings["Channels:Sms:AuthToken"] = AuthToken;
        Factory.Settings["Channels:Sms:From"] = SmsFrom;
        Factory.Settings["Channels:WhatsApp:BaseUrl"] = Provider.Url;
        Factory.Settings["Channels:WhatsApp:AccessToken"] = WhatsAppToken;
        Factory.Settings["Channels:WhatsApp:PhoneNumberId"] = PhoneNumberId;
        Factory.Settings["Channels:WhatsApp:AppSecret"] = AppSecret;
        Factory.Settings["Channels:WhatsApp:VerifyToken"] = VerifyToken;
        Factory.Settings["Channels:Sms:StatusCallback"] = StatusCallback;
        Factory.Settings["Channels:Email:BounceSecret"] = BounceSecret;
    }

    public WireMockServer Provider { get; }

    public MessagingApiFactory Factory { get; }

    public void Dispose()
    {
        Factory.Dispose();
        Provider.Stop();
        Provider.Dispose();
    }
}

/// <summary>POST /api/messaging/messages through the channel adapters to real HTTP peers on loopback.</summary>
public sealed class ChannelSendTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private MessagingApiFactory Factory => fixture.Factory;

    [Fact]
    public async Task An_sms_is_posted_form_encoded_with_basic_auth_and_recorded_with_the_providers_sid()
    {
        var key = await TemplateAsync("sms", new { purpose = "transactional", body = "Hi {{ contact.first_name }}, {{ rep.name }} here." });
        var contact = NewContact();
        var sid = "SM" + Ids.New();
        fixture.Provider
            .Given(Request.Create().WithPath($"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json").UsingPost().WithBody(b => b != null && b.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(new { sid, status = "queued" }));

        using var client = Factory.CreateClient();
        using var answer = await SendAsync(client, new { contactId = contact.Id, channel = "sms", template = key, variables = new { rep = new { name = "Grace" } } });
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var queued = (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal("queued", queued.Status);

        var sent = await FinishedAsync(queued.Id);
        Assert.Equal(("sent", contact.Phones[0], sid, null), (sent.Status, sent.To, sent.ProviderMessageId, sent.Reason));
        var request = Assert.Single(fixture.Provider.LogEntries, e => e.RequestMessage.Body?.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal) == true).RequestMessage;
        var form = request.Body!.Split('&').Select(p => p.Split('=')).ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p[1]));
        Assert.Equal(contact.Phones[0], form["To"]);
        Assert.Equal(ProviderFixture.SmsFrom, form["From"]);
        Assert.Equal($"Hi {contact.Name!.Split(' ')[0]}, Grace here.", form["Body"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ProviderFixture.AccountSid}:{ProviderFixture.AuthToken}")), request.Headers!["Authorization"].ToString());
        Assert.True(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == queued.Id && x.Context.Message.Channel == "sms"));
    }

    [Fact]
    public async Task An_sms_the_provider_refuses_for_good_is_failed_rejected_without_MessageSent()
    {
        var key = await TemplateAsync("sms", new { purpose = "transactional", body = "Hello." });
        var contact = NewContact();
        fixture.Provider
            .Given(Request.Create().WithPath($"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json").UsingPost().WithBody(b => b != null && b.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = 21211, message = "Invalid 'To' Phone Number" }));

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = contact.Id, channel = "sms", template = key });

        var failed = await FinishedAsync(queued.Id);
        Assert.Equal(("failed", "rejected"), (failed.Status, failed.Reason));
        Assert.False(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == queued.Id));
    }

    [Fact]
    public async Task WhatsApp_free_text_goes_inside_the_24_hour_window_and_is_refused_outside_it()
    {
        var key = await TemplateAsync("whatsapp", new { purpose = "transactional", body = "Olá {{ contact.first_name }}" });
        var inside = NewContact();
        var outside = NewContact();
        var wamid = "wamid." + Ids.New();
        fixture.Provider
            .Given(Request.Create().WithPath($"/v19.0/{ProviderFixture.PhoneNumberId}/messages").UsingPost().WithHeader("Authorization", $"Bearer {ProviderFixture.WhatsAppToken}"))
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { messaging_product = "whatsapp", messages = new[] { new { id = wamid } } }));
        var now = DateTimeOffset.UtcNow;
        await LastInboundAsync(inside.Id, now.AddHours(-23));
        await LastInboundAsync(outside.Id, now.AddHours(-25));

        using var client = Factory.CreateClient();
        var first = await SentAsync(client, new { contactId = inside.Id, channel = "whatsapp", template = key });
        var second = await SentAsync(client, new { contactId = outside.Id, channel = "whatsapp", template = key });

        var sent = await FinishedAsync(first.Id);
        Assert.Equal(("sent", wamid), (sent.Status, sent.ProviderMessageId));
        using var body = JsonDocument.Parse(Assert.Single(WhatsAppRequestsTo(inside.Phones[0])));
        Assert.Equal(("whatsapp", "text", $"Olá {inside.Name!.Split(' ')[0]}"), (body.RootElement.GetProperty("messaging_product").GetString(), body.RootElement.GetProperty("type").GetString(), body.RootElement.GetProperty("text").GetProperty("body").GetString()));

        var refused = await FinishedAsync(second.Id);
        Assert.Equal(("failed", "whatsapp-window"), (refused.Status, refused.Reason));
        Assert.Empty(WhatsAppRequestsTo(outside.Phones[0]));
    }

    [Fact]
    public async Task Outside_the_window_an_approved_provider_template_is_sent_instead_of_the_text()
    {
        var key = await TemplateAsync("whatsapp", new { purpose = "transactional", body = "Olá", providerTemplate = "follow_up_1", providerLanguage = "pt_BR" });
        var contact = NewContact();
        fixture.Provider
            .Given(Request.Create().WithPath($"/v19.0/{ProviderFixture.PhoneNumberId}/messages").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { messages = new[] { new { id = "wamid.t" } } }));

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = contact.Id, channel = "whatsapp", template = key });

        Assert.Equal("sent", (await FinishedAsync(queued.Id)).Status);
        using var body = JsonDocument.Parse(Assert.Single(WhatsAppRequestsTo(contact.Phones[0])));
        Assert.Equal("template", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("follow_up_1", body.RootElement.GetProperty("template").GetProperty("name").GetString());
        Assert.Equal("pt_BR", body.RootElement.GetProperty("template").GetProperty("language").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Marketing_on_a_channel_whose_consent_is_unknown_is_suppressed_and_nothing_is_posted()
    {
        var key = await TemplateAsync("sms", new { purpose = "marketing", body = "Sale!" });
        var contact = NewContact();

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = contact.Id, channel = "sms", template = key });

        Assert.Equal("suppressed", (await FinishedAsync(queued.Id)).Status);
        Assert.DoesNotContain(fixture.Provider.LogEntries, e => e.RequestMessage.Body?.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_hold_Contacts_refuses_at_the_hand_off_suppresses_the_message_with_its_reason_and_nothing_is_posted()
    {
        var key = await TemplateAsync("sms", new { purpose = "transactional", body = "Your code." });
        var contact = NewContact();
        Factory.Fence.Refuse(contact.Id, "withdrawing");

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = contact.Id, channel = "sms", template = key });

        Assert.Equal(("suppressed", "withdrawing"), await FinishedAsync(queued.Id) is { } m ? (m.Status, m.Reason) : default);
        Assert.DoesNotContain(fixture.Provider.LogEntries, e => e.RequestMessage.Body?.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal) == true);
        Assert.False(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == queued.Id));
    }

    [Fact]
    public async Task A_message_is_handed_over_under_a_hold_that_is_released_afterwards()
    {
        var key = await TemplateAsync("sms", new { purpose = "transactional", body = "Hello." });
        var contact = NewContact();
        fixture.Provider
            .Given(Request.Create().WithPath($"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json").UsingPost().WithBody(b => b != null && b.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(new { sid = "SM" + Ids.New(), status = "queued" }));

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = contact.Id, channel = "sms", template = key });

        Assert.Equal("sent", (await FinishedAsync(queued.Id)).Status);
        Assert.Contains($"hold-{queued.Id}", Factory.Fence.Released);
        Assert.False(Factory.Fence.Open.ContainsKey($"hold-{queued.Id}"));
    }

    [Fact]
    public async Task An_e_mail_goes_through_the_configured_sender_and_a_contact_without_phone_is_skipped_on_sms()
    {
        var contact = NewContact();
        var noPhone = new ContactCard($"c-{Ids.New()}", "Nobody Phoneless", ["nobody@example.com"]);
        Factory.Contacts.Add(noPhone);
        var key = await TemplateAsync("email", new { purpose = "transactional", subject = "Hello {{ contact.first_name }}", body = "Body" });
        var sms = await TemplateAsync("sms", new { purpose = "transactional", body = "Hi" });

        using var client = Factory.CreateClient();
        var email = await SentAsync(client, new { contactId = contact.Id, channel = "email", template = key });
        var skipped = await SentAsync(client, new { contactId = noPhone.Id, channel = "sms", template = sms });

        var picked = await FinishedAsync(email.Id);
        Assert.Equal(("picked-up", contact.Emails[0]), (picked.Status, picked.To));
        Assert.True(File.Exists(Path.Combine(Factory.PickupDirectory, $"{email.Id}.eml")));
        Assert.Equal(("skipped", "no-address"), await FinishedAsync(skipped.Id) is { } s ? (s.Status, s.Reason) : default);
    }

    [Fact]
    public async Task A_retry_with_the_same_Idempotency_Key_gets_the_first_message_and_another_body_a_409()
    {
        var key = await TemplateAsync("email", new { purpose = "transactional", subject = "S", body = "B" });
        var contact = NewContact();
        var idempotencyKey = Ids.New();

        using var client = Factory.CreateClient();
        using var first = await SendAsync(client, new { contactId = contact.Id, channel = "email", template = key }, idempotencyKey);
        using var again = await SendAsync(client, new { contactId = contact.Id, channel = "email", template = key }, idempotencyKey);
        using var other = await SendAsync(client, new { contactId = contact.Id, channel = "sms", template = key }, idempotencyKey);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, other.StatusCode));
        var a = (await first.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        var b = (await again.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(a.Id, b.Id);
        await FinishedAsync(a.Id);
        var all = await Factory.Store.FindAsync(MessageQueries.OfContact(contact.Id));
        Assert.Single(all);
    }

    [Fact]
    public async Task A_contact_Contacts_does_not_know_is_a_422_naming_contactId_and_nothing_is_queued()
    {
        var key = await TemplateAsync("email", new { purpose = "transactional", subject = "S", body = "B" });
        var unknown = $"c-unknown-{Ids.New()}";

        using var client = Factory.CreateClient();
        using var answer = await SendAsync(client, new { contactId = unknown, channel = "email", template = key });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, answer.StatusCode);
        Assert.True((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("contactId", out _));
        Assert.Empty(await Factory.Store.FindAsync(MessageQueries.OfContact(unknown)));
    }

    [Fact]
    public async Task While_Contacts_is_down_the_send_is_accepted_and_an_unknown_contact_then_fails_with_unknown_contact()
    {
        var key = await TemplateAsync("email", new { purpose = "transactional", subject = "S", body = "B" });
        var unknown = $"c-unknown-{Ids.New()}";
        Factory.Contacts.FailNext(1);

        using var client = Factory.CreateClient();
        var queued = await SentAsync(client, new { contactId = unknown, channel = "email", template = key });

        var failed = await FinishedAsync(queued.Id);
        Assert.Equal(("failed", "unknown-contact"), (failed.Status, failed.Reason));
        Assert.False(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == queued.Id));
    }

    [Fact]
    public async Task Two_messages_of_one_lead_and_template_are_both_sent()
    {
        var key = await TemplateAsync("email", new { purpose = "transactional", subject = "S", body = "B" });
        var contact = NewContact();
        var leadId = $"l-{Ids.New()}";

        using var client = Factory.CreateClient();
        var first = await SentAsync(client, new { contactId = contact.Id, channel = "email", template = key, leadId });
        var second = await SentAsync(client, new { contactId = contact.Id, channel = "email", template = key, leadId });

        Assert.Equal(("picked-up", "picked-up"), ((await FinishedAsync(first.Id)).Status, (await FinishedAsync(second.Id)).Status));
    }

    [Fact]
    public async Task A_bad_request_names_every_bad_field()
    {
        using var client = Factory.CreateClient();
        using var answer = await SendAsync(client, new { channel = "fax", template = "Bad Key", locale = "x_y_z!", purpose = "spam", variables = new { nope = new { a = 1 } } });

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "contactId", "channel", "template", "locale", "purpose", "variables.nope" }, fields);
    }

    [Fact]
    public async Task A_channel_without_configuration_fails_the_message_with_not_configured()
    {
        using var plain = new MessagingApiFactory();
        var contact = new ContactCard($"c-{Ids.New()}", "Ada Plain", ["ada.plain@example.com"]) { Phones = ["+15559990001"] };
        plain.Contacts.Add(contact);
        using var client = plain.CreateClient();
        using var put = await client.PutAsJsonAsync(new Uri("/api/messaging/templates/plain-sms/sms/en", UriKind.Relative), new { purpose = "transactional", body = "Hi" });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), new { contactId = contact.Id, channel = "sms", template = "plain-sms" });
        var queued = (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;

        var failed = await Poll.ForAsync(
            async () => await plain.Store.GetAsync(MessageCollections.Messages, queued.Id) is { Status: not ("queued" or "sending") } m ? m : null,
            "the message to be finished",
            Timeout);
        Assert.Equal(("failed", "not-configured"), (failed.Status, failed.Reason));
    }

    private ContactCard NewContact()
    {
        var suffix = Ids.New()[^10..];
        var phone = "+1555" + Random.Shared.NextInt64(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var contact = new ContactCard($"c-{Ids.New()}", $"Ada{suffix[..4]} Lovelace", [$"ada.{suffix}@example.com"]) { Phones = [phone] };
        Factory.Contacts.Add(contact);
        return contact;
    }

    private async Task<string> TemplateAsync(string channel, object body)
    {
        var key = "t-" + Ids.New().ToLowerInvariant()[^12..];
        using var client = Factory.CreateClient();
        using var put = await client.PutAsJsonAsync(new Uri($"/api/messaging/templates/{key}/{channel}/en", UriKind.Relative), body);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return key;
    }

    private Task<IReadOnlyList<long>> LastInboundAsync(string contactId, DateTimeOffset at) =>
        Factory.Store.CommitAsync(Write.Insert(ContactChannelCollections.ContactChannels, new ContactChannel { Id = contactId, LastInboundAt = new() { ["whatsapp"] = at } }));

    private List<string> WhatsAppRequestsTo(string phone) =>
        fixture.Provider.LogEntries
            .Where(e => e.RequestMessage.Path.StartsWith("/v19.0/", StringComparison.Ordinal) && e.RequestMessage.Body is { } body && JsonDocument.Parse(body).RootElement.GetProperty("to").GetString() == phone)
            .Select(e => e.RequestMessage.Body!)
            .ToList();

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/messaging/messages", UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    private static async Task<MessageResponse> SentAsync(HttpClient client, object body)
    {
        using var answer = await SendAsync(client, body);
        Assert.True(answer.StatusCode == HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
    }

    private Task<Message> FinishedAsync(string id) =>
        Poll.ForAsync(
            async () => await Factory.Store.GetAsync(MessageCollections.Messages, id) is { Status: not ("queued" or "sending") } m ? m : null,
            $"message {id} to be finished",
            Timeout);
}
