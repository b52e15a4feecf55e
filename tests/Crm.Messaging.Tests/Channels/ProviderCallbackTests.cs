using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Xunit;

namespace Crm.Messaging.Tests.Channels;

/// <summary>The providers' delivery status callbacks: signatures verified (401 and nothing changes otherwise), forward-only and idempotent, MessageDelivered / MessageFailed.</summary>
public sealed class ProviderCallbackTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private MessagingApiFactory Factory => fixture.Factory;

    [Fact]
    public async Task A_signed_sms_callback_applies_forward_only_and_an_unsigned_one_is_401_and_changes_nothing()
    {
        var message = await SentMessageAsync("sms");
        using var client = Factory.CreateClient();

        using var forged = await SmsCallbackAsync(client, message.ProviderMessageId!, "delivered", signWith: "wrong-token");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("sent", (await ReadAsync(message.Id)).Status);
        Assert.False(await Factory.Harness.Published.Any<MessageDelivered>(x => x.Context.Message.MessageId == message.Id));

        using var read = await SmsCallbackAsync(client, message.ProviderMessageId!, "read");
        using var lateDelivered = await SmsCallbackAsync(client, message.ProviderMessageId!, "delivered");
        using var again = await SmsCallbackAsync(client, message.ProviderMessageId!, "read");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent), (read.StatusCode, lateDelivered.StatusCode, again.StatusCode));
        Assert.Equal("read", (await ReadAsync(message.Id)).Status);
        var events = await PublishedAsync<MessageDelivered>(message.Id);
        Assert.Equal([("read", "sms", message.ContactId)], events.Select(e => (e.Status, e.Channel, e.ContactId)));
    }

    [Fact]
    public async Task An_sms_failure_callback_fails_the_message_with_the_providers_code()
    {
        var message = await SentMessageAsync("sms");
        using var client = Factory.CreateClient();

        using var failed = await SmsCallbackAsync(client, message.ProviderMessageId!, "failed", errorCode: "30003");

        Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        Assert.Equal(("failed", "provider-failed:30003"), await ReadAsync(message.Id) is { } m ? (m.Status, m.Reason) : default);
        Assert.Equal(["provider-failed:30003"], (await PublishedAsync<MessageFailed>(message.Id)).Select(e => e.Reason));
    }

    [Fact]
    public async Task A_signed_whatsapp_webhook_applies_every_status_in_order_and_a_bad_signature_is_401()
    {
        var delivered = await SentMessageAsync("whatsapp");
        var failing = await SentMessageAsync("whatsapp");
        var body = JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "WABA",
                    changes = new object[]
                    {
                        new { field = "messages", value = new { statuses = new object[] { new { id = delivered.ProviderMessageId, status = "delivered" }, new { id = delivered.ProviderMessageId, status = "read" } } } },
                        new { field = "messages", value = new { statuses = new object[] { new { id = failing.ProviderMessageId, status = "failed", errors = new[] { new { code = 131047, title = "Re-engagement message" } } } } } },
                    },
                },
            },
        });
        using var client = Factory.CreateClient();

        using var forged = await PostSignedAsync(client, "/api/messaging/providers/whatsapp/webhook", body, ProviderCallbacks.HubSignatureHeader, ProviderSignatures.Sha256("not-the-secret", Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(("sent", "sent"), ((await ReadAsync(delivered.Id)).Status, (await ReadAsync(failing.Id)).Status));

        using var signed = await PostSignedAsync(client, "/api/messaging/providers/whatsapp/webhook", body, ProviderCallbacks.HubSignatureHeader, ProviderSignatures.Sha256(ProviderFixture.AppSecret, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("read", (await ReadAsync(delivered.Id)).Status);
        Assert.Equal(("failed", "provider-failed:131047"), await ReadAsync(failing.Id) is { } f ? (f.Status, f.Reason) : default);
        Assert.Equal(["delivered", "read"], (await PublishedAsync<MessageDelivered>(delivered.Id, atLeast: 2)).Select(e => e.Status).Order());
        Assert.Single(await PublishedAsync<MessageFailed>(failing.Id));
    }

    [Fact]
    public async Task The_whatsapp_handshake_echoes_the_challenge_only_for_the_configured_token()
    {
        using var client = Factory.CreateClient();

        using var ok = await client.GetAsync(new Uri($"/api/messaging/providers/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={ProviderFixture.VerifyToken}&hub.challenge=12345", UriKind.Relative));
        using var wrong = await client.GetAsync(new Uri("/api/messaging/providers/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=12345", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, "12345"), (ok.StatusCode, await ok.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
    }

    [Fact]
    public async Task A_signed_hard_bounce_fails_the_e_mail_and_an_unsigned_one_changes_nothing()
    {
        var message = await SentMessageAsync("email");
        var body = JsonSerializer.Serialize(new { messageId = message.Id, kind = "hard", reason = "550 5.1.1 user unknown" });
        using var client = Factory.CreateClient();

        using var unsigned = await PostSignedAsync(client, "/api/messaging/providers/email/bounces", body, "X-Other", "x");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("sent", (await ReadAsync(message.Id)).Status);

        var bad = JsonSerializer.Serialize(new { kind = "sideways" });
        using var invalid = await PostSignedAsync(client, "/api/messaging/providers/email/bounces", bad, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256(ProviderFixture.BounceSecret, Encoding.UTF8.GetBytes(bad)));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(problem.TryGetProperty("messageId", out _) && problem.TryGetProperty("kind", out _), problem.ToString());

        using var signed = await PostSignedAsync(client, "/api/messaging/providers/email/bounces", body, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256(ProviderFixture.BounceSecret, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.NoContent, signed.StatusCode);
        Assert.Equal(("failed", "bounce"), await ReadAsync(message.Id) is { } m ? (m.Status, m.Reason) : default);
        Assert.Equal(["bounce"], (await PublishedAsync<MessageFailed>(message.Id)).Select(e => e.Reason));
    }

    [Fact]
    public async Task A_hard_bounce_by_address_fails_the_latest_e_mail_to_it_and_suppresses_the_address_until_cleared()
    {
        var contact = new ContactCard($"c-{Ids.New()}", "Bo Bounce", [$"bo.{Ids.New()[^10..].ToLowerInvariant()}@example.com"]);
        Factory.Contacts.Add(contact);
        var address = contact.Emails[0];
        var older = await SentMessageAsync("email", address, DateTimeOffset.UtcNow.AddMinutes(-10));
        var latest = await SentMessageAsync("email", address, DateTimeOffset.UtcNow.AddMinutes(-1));
        using var client = Factory.CreateClient();

        using var bounce = await BounceAsync(client, new { to = address, kind = "hard", reason = "550 5.1.1 user unknown" });

        Assert.Equal(HttpStatusCode.NoContent, bounce.StatusCode);
        Assert.Equal(("failed", "bounce"), await ReadAsync(latest.Id) is { } m ? (m.Status, m.Reason) : default);
        Assert.Equal("sent", (await ReadAsync(older.Id)).Status);
        Assert.Equal(["bounce"], (await PublishedAsync<MessageFailed>(latest.Id)).Select(e => e.Reason));

        // Later e-mails to the address (the send API and the welcome) are suppressed, nothing sent.
        var template = await EmailTemplateAsync(client);
        var suppressed = await SendAndFinishAsync(client, contact.Id, template);
        Assert.Equal(("suppressed", "bounced-address", address), (suppressed.Status, suppressed.Reason, suppressed.To));
        Assert.False(File.Exists(Path.Combine(Factory.PickupDirectory, $"{suppressed.Id}.eml")));
        var assigned = MessagingApiFactory.NewLeadAssigned(contact.Id);
        await Factory.Harness.Bus.Publish(assigned);
        var welcome = await Factory.WelcomeFinishedAsync(assigned.LeadId);
        Assert.Equal(("suppressed", "bounced-address"), (welcome.Status, welcome.Reason));

        // Cleared by an administrator (any case): e-mails go again; clearing again is a 404.
        using var clear = await client.DeleteAsync(new Uri($"/api/messaging/suppressions/{Uri.EscapeDataString(address.ToUpperInvariant())}", UriKind.Relative));
        using var again = await client.DeleteAsync(new Uri($"/api/messaging/suppressions/{Uri.EscapeDataString(address)}", UriKind.Relative));
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (clear.StatusCode, again.StatusCode));
        Assert.Equal(("picked-up", null), await SendAndFinishAsync(client, contact.Id, template) is { } sent ? (sent.Status, sent.Reason) : default);
    }

    [Fact]
    public async Task A_newer_inbound_e_mail_lifts_a_suppression_a_soft_bounce_suppresses_nothing_and_an_address_without_message_is_suppressed()
    {
        var lifted = new ContactCard($"c-{Ids.New()}", "Li Lifted", [$"li.{Ids.New()[^10..].ToLowerInvariant()}@example.com"]);
        var soft = new ContactCard($"c-{Ids.New()}", "So Soft", [$"so.{Ids.New()[^10..].ToLowerInvariant()}@example.com"]);
        Factory.Contacts.Add(lifted);
        Factory.Contacts.Add(soft);
        var softMessage = await SentMessageAsync("email", soft.Emails[0], DateTimeOffset.UtcNow.AddMinutes(-1));
        using var client = Factory.CreateClient();

        using var noMessage = await BounceAsync(client, new { to = lifted.Emails[0], kind = "hard" });
        using var softBounce = await BounceAsync(client, new { to = soft.Emails[0], kind = "soft" });
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (noMessage.StatusCode, softBounce.StatusCode));
        Assert.Equal(("failed", "soft-bounce"), await ReadAsync(softMessage.Id) is { } m ? (m.Status, m.Reason) : default);

        var template = await EmailTemplateAsync(client);
        Assert.Equal("bounced-address", (await SendAndFinishAsync(client, lifted.Id, template)).Reason);
        Assert.Equal("picked-up", (await SendAndFinishAsync(client, soft.Id, template)).Status);

        await Factory.Store.CommitAsync(Write.Insert(ContactChannelCollections.ContactChannels, new ContactChannel { Id = lifted.Id, LastInboundAt = new() { ["email"] = DateTimeOffset.UtcNow.AddSeconds(1) } }));
        Assert.Equal("picked-up", (await SendAndFinishAsync(client, lifted.Id, template)).Status);
    }

    [Fact]
    public async Task A_bounce_naming_a_bad_address_is_400_naming_to()
    {
        using var client = Factory.CreateClient();
        using var answer = await BounceAsync(client, new { to = "not-an-address", kind = "hard" });

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.True(JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("to", out _));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(-1, true)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void A_suppression_holds_until_an_inbound_e_mail_newer_than_the_bounce(int? inboundMinutesAfterBounce, bool holds)
    {
        var bouncedAt = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var suppression = new SuppressedAddress { Id = "a@example.com", Reason = "bounced-address", BouncedAt = bouncedAt };

        Assert.Equal(holds, AddressSuppression.Holds(suppression, inboundMinutesAfterBounce is { } m ? bouncedAt.AddMinutes(m) : null));
        Assert.False(AddressSuppression.Holds(null, null));
    }

    [Theory]
    [InlineData("sent", "delivered", "delivered")]
    [InlineData("sent", "read", "read")]
    [InlineData("delivered", "read", "read")]
    [InlineData("read", "delivered", null)]
    [InlineData("delivered", "delivered", null)]
    [InlineData("sent", "failed", "failed")]
    [InlineData("delivered", "failed", null)]
    [InlineData("failed", "delivered", null)]
    [InlineData("suppressed", "delivered", null)]
    [InlineData("picked-up", "delivered", "delivered")]
    public void A_status_report_moves_a_message_forward_only(string current, string reported, string? next) =>
        Assert.Equal(next, DeliveryStatus.Apply(current, reported));

    private async Task<Message> SentMessageAsync(string channel, string? to = null, DateTimeOffset? sentAt = null)
    {
        var message = new Message
        {
            Id = Ids.New(),
            ContactId = $"c-{Ids.New()}",
            LeadId = $"l-{Ids.New()}",
            Channel = channel,
            Template = "callback-test",
            To = to ?? (channel == "email" ? "ada@example.com" : "+15550001234"),
            Subject = string.Empty,
            Status = "sent",
            SentAt = (sentAt ?? DateTimeOffset.UtcNow).TruncateToMs(),
            ProviderMessageId = channel == "email" ? null : $"{channel}-{Ids.New()}",
        };
        await Factory.Store.CommitAsync(Write.Insert(MessageCollections.Messages, message));
        return message;
    }

    private async Task<Message> ReadAsync(string id) => (await Factory.Store.GetAsync(MessageCollections.Messages, id))!;

    /// <summary>The events of <typeparamref name="T"/> about the message, once at least <paramref name="atLeast"/> left the outbox.</summary>
    private async Task<List<T>> PublishedAsync<T>(string messageId, int atLeast = 1)
        where T : class
    {
        await Crm.Testing.Poll.UntilAsync(async () => (await CollectAsync<T>(messageId)).Count >= atLeast, $"{atLeast} {typeof(T).Name} for {messageId}", TimeSpan.FromSeconds(30));
        return await CollectAsync<T>(messageId);
    }

    private async Task<List<T>> CollectAsync<T>(string messageId)
        where T : class
    {
        var list = new List<T>();
        await foreach (var published in Factory.Harness.Published.SelectAsync<T>(x => JsonSerializer.Serialize(x.Context.Message).Contains(messageId, StringComparison.Ordinal)))
        {
            list.Add(published.Context.Message);
        }

        return list;
    }

    private static async Task<HttpResponseMessage> SmsCallbackAsync(HttpClient client, string sid, string status, string? errorCode = null, string signWith = ProviderFixture.AuthToken)
    {
        var form = new Dictionary<string, string> { ["MessageSid"] = sid, ["MessageStatus"] = status, ["AccountSid"] = ProviderFixture.AccountSid };
        if (errorCode is not null)
        {
            form["ErrorCode"] = errorCode;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/messaging/providers/sms/status", UriKind.Relative)) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(ProviderCallbacks.TwilioSignatureHeader, ProviderSignatures.Twilio(signWith, ProviderFixture.StatusCallback, form));
        return await client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> BounceAsync(HttpClient client, object report)
    {
        var body = JsonSerializer.Serialize(report);
        return PostSignedAsync(client, "/api/messaging/providers/email/bounces", body, ProviderCallbacks.BounceSignatureHeader, ProviderSignatures.Sha256(ProviderFixture.BounceSecret, Encoding.UTF8.GetBytes(body)));
    }

    private static async Task<string> EmailTemplateAsync(HttpClient client)
    {
        var key = "b-" + Ids.New().ToLowerInvariant()[^12..];
        using var put = await client.PutAsJsonAsync(new Uri($"/api/messaging/templates/{key}/email/en", UriKind.Relative), new { purpose = "transactional", subject = "Hi", body = "Hello" });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return key;
    }

    private async Task<Message> SendAndFinishAsync(HttpClient client, string contactId, string template)
    {
        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), new { contactId, channel = "email", template });
        Assert.True(answer.StatusCode == HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        return await Crm.Testing.Poll.ForAsync(
            async () => await Factory.Store.GetAsync(MessageCollections.Messages, id) is { Status: not ("queued" or "sending") } m ? m : null,
            $"message {id} to be finished",
            TimeSpan.FromSeconds(30));
    }

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient client, string path, string body, string header, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(header, signature);
        return await client.SendAsync(request);
    }
}
