using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.Messaging.Webhooks;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>
/// Webhooks end to end against a real receiver on loopback (WireMock.Net): subscriptions through the API, events
/// turned into signed deliveries, retries on the fake clock, giving up, replay, 410 Gone, and the SSRF guard at
/// subscribe and delivery time. Each test has its own service (its own clock and store).
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static readonly Uri Webhooks = new("/api/messaging/webhooks", UriKind.Relative);

    [Fact]
    public async Task An_event_is_delivered_signed_so_the_receiver_can_verify_it_once_per_subscription()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        Assert.NotNull(subscription.Secret);
        Assert.True(subscription.Secret!.Length >= 43, "a generated secret has at least 32 bytes");

        var won = Won();
        await factory.Harness.Bus.Publish(won);
        await factory.Harness.Bus.Publish(won); // the same event again (a redelivery under a new message id)
        var id = WebhookDelivery.IdOf(won.EventId, subscription.Id);
        await Poll.UntilAsync(async () => await factory.DeliveryAsync(id) is not null, "the delivery to be recorded");
        await Poll.UntilAsync(async () => (await factory.Harness.Consumed.SelectAsync<LeadWon>().Take(2).ToListAsync()).Count == 2, "both copies consumed");
        await factory.RunTimersAsync();

        var delivery = (await factory.DeliveryAsync(id))!;
        Assert.Equal((DeliveryStatus.Delivered, 1, 200), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        var received = Assert.Single(receiver.Requests);
        Assert.Equal(id, received.Header("Webhook-Id"));
        Assert.StartsWith("application/json", received.Header("Content-Type"), StringComparison.Ordinal);
        var timestamp = long.Parse(received.Header("Webhook-Timestamp"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(factory.Time.GetUtcNow().ToUnixTimeSeconds(), timestamp);
        Assert.Equal(ReceiverSignature(subscription.Secret, id, timestamp, received.Body), received.Header("Webhook-Signature"));
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("lead.won", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(won.EventId, body.RootElement.GetProperty("eventId").GetGuid());
        Assert.EndsWith("Z", body.RootElement.GetProperty("occurredAt").GetString(), StringComparison.Ordinal);
        Assert.Equal(won.LeadId, body.RootElement.GetProperty("data").GetProperty("leadId").GetString());
        Assert.Equal("129.90", body.RootElement.GetProperty("data").GetProperty("amount").GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Payloads_carry_ids_only_a_message_sent_without_its_address()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.MessageSent, WebhookEvents.LeadWon);
        var sent = new MessageSent { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MessageId = "m-1", ContactId = "c-1", LeadId = "l-1", Channel = "email", Template = "welcome", To = "ada@example.com" };

        await factory.Harness.Bus.Publish(sent);
        await Poll.UntilAsync(async () => await factory.DeliveryAsync(WebhookDelivery.IdOf(sent.EventId, subscription.Id)) is not null, "the delivery");
        await factory.RunTimersAsync();

        var body = Assert.Single(receiver.Requests).Body;
        Assert.Contains("\"type\":\"message.sent\"", body, StringComparison.Ordinal);
        Assert.Contains("\"messageId\":\"m-1\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ada@example.com", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_logged_call_is_delivered_as_call_logged_without_the_number()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.CallLogged);
        var call = new CallLogged
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, MessageId = "m-call", ContactId = "c-1", LeadId = "l-1",
            Direction = "outbound", Outcome = "answered", StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5), DurationSeconds = 125, RepId = "rep-1", ProviderCallId = "pbx-1",
        };

        await factory.Harness.Bus.Publish(call);
        await Poll.UntilAsync(async () => await factory.DeliveryAsync(WebhookDelivery.IdOf(call.EventId, subscription.Id)) is not null, "the delivery");
        await factory.RunTimersAsync();

        using var body = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        Assert.Equal("call.logged", body.RootElement.GetProperty("type").GetString());
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(("m-call", "c-1", "l-1", "outbound", "answered", 125, "pbx-1"), (
            data.GetProperty("messageId").GetString(), data.GetProperty("contactId").GetString(), data.GetProperty("leadId").GetString(),
            data.GetProperty("direction").GetString(), data.GetProperty("outcome").GetString(), data.GetProperty("durationSeconds").GetInt32(),
            data.GetProperty("providerCallId").GetString()));
        Assert.Equal(["messageId", "contactId", "leadId", "direction", "outcome", "startedAt", "durationSeconds", "repId", "providerCallId"], data.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_500_is_retried_after_the_back_off_under_the_same_id_then_delivered()
    {
        using var receiver = new WebhookReceiver { Status = 500 };
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        var id = await PublishWonAsync(factory, subscription);

        await factory.RunTimersAsync();
        var failed = (await factory.DeliveryAsync(id))!;
        var first = factory.Time.GetUtcNow();
        Assert.Equal((DeliveryStatus.Pending, 1, 500), (failed.Status, failed.Attempts, failed.LastStatusCode));
        Assert.InRange((failed.NextAttemptAt!.Value - first).TotalSeconds, 4, 6);
        await factory.RunTimersAsync();
        Assert.Single(receiver.Requests); // not due yet

        receiver.Status = 200;
        factory.Time.Advance(TimeSpan.FromSeconds(6));
        await factory.RunTimersAsync();

        var delivered = (await factory.DeliveryAsync(id))!;
        Assert.Equal((DeliveryStatus.Delivered, 2, 200), (delivered.Status, delivered.Attempts, delivered.LastStatusCode));
        Assert.Equal([500, 200], delivered.Log.Select(a => a.StatusCode ?? 0));
        Assert.Equal([id, id], receiver.Requests.Select(r => r.Header("Webhook-Id")));
        Assert.NotEqual(receiver.Requests[0].Header("Webhook-Timestamp"), receiver.Requests[1].Header("Webhook-Timestamp"));
        Assert.All(receiver.Requests, r => Assert.Equal(
            ReceiverSignature(subscription.Secret!, id, long.Parse(r.Header("Webhook-Timestamp"), System.Globalization.CultureInfo.InvariantCulture), r.Body),
            r.Header("Webhook-Signature")));
    }

    [Fact]
    public async Task A_receiver_failing_for_the_whole_retry_window_gets_a_failed_delivery()
    {
        using var receiver = new WebhookReceiver { Status = 503 };
        await using var factory = new WebhookFactory();
        factory.Settings["Webhooks:RetryWindow"] = "00:02:00";
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        var id = await PublishWonAsync(factory, subscription);
        var start = factory.Time.GetUtcNow();

        for (var i = 0; i < 30 && (await factory.DeliveryAsync(id))!.Status == DeliveryStatus.Pending; i++)
        {
            await factory.RunTimersAsync();
            factory.Time.Advance(TimeSpan.FromSeconds(10));
        }

        var delivery = (await factory.DeliveryAsync(id))!;
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.Null(delivery.NextAttemptAt);
        Assert.InRange(delivery.Attempts, 4, 6); // ~0, 5, 15, 35, 75 s (±20 %); the next would fall after 2 min
        Assert.Equal(delivery.Attempts, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(id, r.Header("Webhook-Id")));
        Assert.True(delivery.Log[^1].At <= start.AddMinutes(2));
        Assert.Null(await factory.Store.GetAsync(Crm.ServiceDefaults.Storage.PlatformCollections.Timers, Crm.ServiceDefaults.Storage.TimerRecord.IdOf(WebhookDispatcher.Kind, id)));
    }

    [Fact]
    public async Task A_delivery_is_listed_and_replayed_under_the_same_id_as_a_new_attempt()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        var id = await PublishWonAsync(factory, subscription);
        var other = await PublishWonAsync(factory, subscription);
        await factory.RunTimersAsync();

        var page = await client.GetFromJsonAsync<Page<WebhookDeliveryResponse>>(new Uri($"/api/messaging/webhooks/{subscription.Id}/deliveries?status=delivered&limit=1", UriKind.Relative), CrmClient.JsonOptions);
        var next = await client.GetFromJsonAsync<Page<WebhookDeliveryResponse>>(new Uri($"/api/messaging/webhooks/{subscription.Id}/deliveries?status=delivered&limit=1&cursor={page!.NextCursor}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal([other, id], page.Items.Concat(next!.Items).Select(d => d.Id)); // newest first
        var pending = await client.GetFromJsonAsync<Page<WebhookDeliveryResponse>>(new Uri($"/api/messaging/webhooks/{subscription.Id}/deliveries?status=pending", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Empty(pending!.Items);

        factory.Time.Advance(TimeSpan.FromSeconds(2));
        using var replay = await client.PostAsync(new Uri($"/api/messaging/webhooks/deliveries/{id}/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = (await replay.Content.ReadFromJsonAsync<WebhookDeliveryResponse>(CrmClient.JsonOptions))!;
        Assert.Equal((DeliveryStatus.Delivered, 2), (replayed.Status, replayed.Attempts));
        Assert.Equal([false, true], replayed.AttemptLog!.Select(a => a.Replay));
        Assert.Equal(2, receiver.Requests.Count(r => r.Header("Webhook-Id") == id)); // the replay reused the delivery's id
        Assert.Equal(1, receiver.Requests.Count(r => r.Header("Webhook-Id") == other));

        var read = await client.GetFromJsonAsync<WebhookDeliveryResponse>(new Uri($"/api/messaging/webhooks/deliveries/{id}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal(2, read!.AttemptLog!.Count);
        Assert.Contains("lead.won", read.Payload, StringComparison.Ordinal);
        using var unknown = await client.PostAsync(new Uri("/api/messaging/webhooks/deliveries/nope/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_410_Gone_fails_the_delivery_and_deactivates_the_subscription()
    {
        using var receiver = new WebhookReceiver { Status = 410 };
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        var id = await PublishWonAsync(factory, subscription);

        await factory.RunTimersAsync();

        Assert.Equal(DeliveryStatus.Failed, (await factory.DeliveryAsync(id))!.Status);
        var read = await client.GetFromJsonAsync<WebhookSubscriptionResponse>(new Uri($"/api/messaging/webhooks/{subscription.Id}", UriKind.Relative), CrmClient.JsonOptions);
        Assert.Equal((false, "410 Gone"), (read!.Active, read.DeactivatedReason));
    }

    [Fact]
    public async Task Subscriptions_are_read_changed_paused_rotated_and_deleted_and_the_secret_is_shown_only_then()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, receiver.Url, WebhookEvents.LeadWon);
        var url = new Uri($"/api/messaging/webhooks/{subscription.Id}", UriKind.Relative);

        var read = await client.GetFromJsonAsync<WebhookSubscriptionResponse>(url, CrmClient.JsonOptions);
        Assert.Null(read!.Secret);
        var list = await client.GetFromJsonAsync<Page<WebhookSubscriptionResponse>>(Webhooks, CrmClient.JsonOptions);
        Assert.All(list!.Items, s => Assert.Null(s.Secret));
        Assert.Contains(list.Items, s => s.Id == subscription.Id);

        using var paused = await client.PatchAsJsonAsync(url, new { active = false, eventTypes = new[] { "lead.lost", "lead.won" } });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var pausedBody = (await paused.Content.ReadFromJsonAsync<WebhookSubscriptionResponse>(CrmClient.JsonOptions))!;
        Assert.Equal((false, 2L, null as string), (pausedBody.Active, pausedBody.Version, pausedBody.Secret));
        Assert.Equal(["lead.lost", "lead.won"], pausedBody.EventTypes);
        var won = Won();
        await factory.Harness.Bus.Publish(won);
        await Poll.UntilAsync(async () => await factory.Harness.Consumed.Any<LeadWon>(m => m.Context.Message.EventId == won.EventId), "the event consumed");
        Assert.Null(await factory.DeliveryAsync(WebhookDelivery.IdOf(won.EventId, subscription.Id)));

        using (var resumed = await client.PatchAsJsonAsync(url, new { active = true, description = "" }))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
            var body = (await resumed.Content.ReadFromJsonAsync<WebhookSubscriptionResponse>(CrmClient.JsonOptions))!;
            Assert.Equal((true, null as string), (body.Active, body.Description));
            Assert.Equal(["lead.lost", "lead.won"], body.EventTypes);
        }

        using var rotate = await client.PostAsync(new Uri($"/api/messaging/webhooks/{subscription.Id}/rotate-secret", UriKind.Relative), null);
        var rotated = (await rotate.Content.ReadFromJsonAsync<WebhookSubscriptionResponse>(CrmClient.JsonOptions))!;
        Assert.NotNull(rotated.Secret);
        Assert.NotEqual(subscription.Secret, rotated.Secret);
        var id = await PublishWonAsync(factory, subscription);
        await factory.RunTimersAsync();
        var received = Assert.Single(receiver.Requests);
        Assert.Equal(ReceiverSignature(rotated.Secret!, id, long.Parse(received.Header("Webhook-Timestamp"), System.Globalization.CultureInfo.InvariantCulture), received.Body), received.Header("Webhook-Signature"));

        using var stale = await client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { active = false }), Headers = { { "If-Match", "\"1\"" } } });
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        using var deleted = await client.DeleteAsync(url);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_bad_subscription_names_every_bad_field_at_once()
    {
        await using var factory = new WebhookFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync(Webhooks, new { url = "ftp://hooks.example.com/x", eventTypes = new[] { "lead.won", "lead.exploded" }, description = new string('x', 501), secret = "short" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(["description", "eventTypes", "secret", "url"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("lead.exploded", errors.GetProperty("eventTypes")[0].GetString(), StringComparison.Ordinal);
        using var none = await client.PostAsJsonAsync(Webhooks, new { });
        using var noneProblem = JsonDocument.Parse(await none.Content.ReadAsStringAsync());
        Assert.Equal(["eventTypes", "url"], noneProblem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Loopback_and_private_destinations_are_refused_when_subscribing_unless_allowed()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory(allowLoopback: false);
        factory.Dns.Answer("intranet.partner.test", "10.0.0.7");
        factory.Dns.Answer("mixed.partner.test", "93.184.216.34", "::1");
        using var client = factory.CreateClient();

        foreach (var url in new[] { receiver.Url, "http://[::1]:8080/hook", "https://intranet.partner.test/hook", "https://mixed.partner.test/hook", "https://169.254.169.254/latest/meta-data", "https://nowhere.partner.test/hook" })
        {
            using var response = await client.PostAsJsonAsync(Webhooks, new { url, eventTypes = new[] { "lead.won" } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(["url"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }

        await using var allowing = new WebhookFactory(allowLoopback: true);
        using var allowed = await allowing.CreateClient().PostAsJsonAsync(Webhooks, new { url = receiver.Url, eventTypes = new[] { "lead.won" } });
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task A_host_that_resolves_to_loopback_by_delivery_time_is_not_connected_to()
    {
        using var receiver = new WebhookReceiver();
        await using var factory = new WebhookFactory(allowLoopback: false);
        factory.Dns.Answer("rebind.partner.test", "93.184.216.34");
        using var client = factory.CreateClient();
        var subscription = await SubscribeAsync(client, $"http://rebind.partner.test:{receiver.Port}/hook", WebhookEvents.LeadWon);

        factory.Dns.Answer("rebind.partner.test", "127.0.0.1"); // DNS rebinding: the name now points at the platform itself
        var id = await PublishWonAsync(factory, subscription);
        await factory.RunTimersAsync();

        var delivery = (await factory.DeliveryAsync(id))!;
        Assert.Equal((DeliveryStatus.Pending, 1, null as int?), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Contains("Refused destination", delivery.LastError, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", delivery.LastError, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    private static LeadWon Won() => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        LeadId = $"l-{Guid.NewGuid():N}",
        ContactId = "c-1",
        PipelineId = "default",
        Stage = "won",
        Amount = "129.90",
        Currency = "EUR",
        OwnerId = "rep-1",
    };

    /// <summary>Publishes a LeadWon and waits for its delivery to <paramref name="subscription"/> to be recorded; returns the delivery id.</summary>
    private static async Task<string> PublishWonAsync(WebhookFactory factory, WebhookSubscriptionResponse subscription)
    {
        var won = Won();
        await factory.Harness.Bus.Publish(won);
        var id = WebhookDelivery.IdOf(won.EventId, subscription.Id);
        await Poll.UntilAsync(async () => await factory.DeliveryAsync(id) is not null, "the delivery to be recorded");
        factory.Time.Advance(TimeSpan.FromMilliseconds(1)); // distinct creation times for the newest-first list
        return id;
    }

    private static async Task<WebhookSubscriptionResponse> SubscribeAsync(HttpClient client, string url, params string[] eventTypes)
    {
        using var response = await client.PostAsJsonAsync(Webhooks, new { url, eventTypes, description = "test receiver" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var subscription = (await response.Content.ReadFromJsonAsync<WebhookSubscriptionResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/messaging/webhooks/{subscription.Id}", response.Headers.Location?.OriginalString);
        return subscription;
    }

    /// <summary>What a receiver computes: hex HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the secret (written here independently of the service's code).</summary>
    private static string ReceiverSignature(string secret, string id, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
}
