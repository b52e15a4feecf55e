using System.Net;
using System.Text;
using System.Text.Json;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
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

    private async Task<Message> SentMessageAsync(string channel)
    {
        var message = new Message
        {
            Id = Ids.New(),
            ContactId = $"c-{Ids.New()}",
            LeadId = $"l-{Ids.New()}",
            Channel = channel,
            Template = "callback-test",
            To = channel == "email" ? "ada@example.com" : "+15550001234",
            Subject = string.Empty,
            Status = "sent",
            SentAt = DateTimeOffset.UtcNow,
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

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient client, string path, string body, string header, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(header, signature);
        return await client.SendAsync(request);
    }
}
