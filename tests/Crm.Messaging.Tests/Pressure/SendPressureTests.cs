using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.Messaging.Tests.Channels;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Xunit;

namespace Crm.Messaging.Tests.Pressure;

/// <summary>
/// Contact pressure on the send path, end to end: the send API (or a welcome) → <c>SendQueuedMessage</c> → the
/// providers (WireMock.Net on loopback), on a fake clock, with the durable timers fired by the test.
/// </summary>
public sealed class SendPressureTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> AllGranted = new(StringComparer.Ordinal) { ["email"] = "granted", ["sms"] = "granted", ["whatsapp"] = "granted" };

    [Theory]
    [InlineData("Europe/Madrid")]
    [InlineData("America/New_York")]
    [InlineData("Asia/Tokyo")]
    public async Task A_marketing_sms_at_23_local_is_delayed_to_08_local_and_sent_when_its_timer_fires(string zone)
    {
        using var world = new World(Local(zone, new DateTime(2026, 12, 10, 23, 0, 0)));
        var contact = world.NewContact(zone);
        var key = await world.TemplateAsync("sms", new { purpose = "marketing", body = "Sale!" });

        var queued = await world.QueueAsync(contact, "sms", key);
        var delayed = await world.SettledAsync(queued.Id);

        var morning = Local(zone, new DateTime(2026, 12, 11, 8, 0, 0));
        Assert.Equal(("delayed", "quiet-hours", (DateTimeOffset?)morning), (delayed.Status, delayed.Reason, delayed.DueAt));
        var listed = Assert.Single((await world.ListAsync(contact.Id)).Items);
        Assert.Equal(("delayed", "quiet-hours", (DateTimeOffset?)morning), (listed.Status, listed.Reason, listed.DueAt));
        Assert.Equal(0, world.SmsTo(contact));

        world.Time.SetUtcNow(morning);
        await world.Factory.RunTimersAsync();

        var sent = await world.SettledAsync(queued.Id);
        Assert.Equal(("sent", null, null, morning), (sent.Status, sent.Reason, sent.DueAt, sent.SentAt));
        Assert.Equal(1, world.SmsTo(contact));
        await world.PublishedAsync(queued.Id);
    }

    [Fact]
    public async Task The_fourth_marketing_message_in_24_hours_across_email_sms_and_whatsapp_waits_for_the_daily_cap()
    {
        var start = Local("Europe/Madrid", new DateTime(2026, 12, 10, 10, 0, 0));
        using var world = new World(start);
        var contact = world.NewContact("Europe/Madrid");
        var email = await world.TemplateAsync("email", new { purpose = "marketing", subject = "News", body = "News" });
        var sms = await world.TemplateAsync("sms", new { purpose = "marketing", body = "News" });
        var whatsapp = await world.TemplateAsync("whatsapp", new { purpose = "marketing", body = "News", providerTemplate = "news_1", providerLanguage = "es_ES" });

        Assert.Equal("picked-up", (await world.SendAndSettleAsync(contact, "email", email)).Status);
        world.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", sms)).Status);
        world.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "whatsapp", whatsapp)).Status);
        world.Time.Advance(TimeSpan.FromHours(1));
        var fourth = await world.SendAndSettleAsync(contact, "sms", sms);

        Assert.Equal(("delayed", "daily-cap", (DateTimeOffset?)start.AddDays(1)), (fourth.Status, fourth.Reason, fourth.DueAt));
        Assert.Equal(1, world.SmsTo(contact));

        world.Time.SetUtcNow(start.AddDays(1));
        await world.Factory.RunTimersAsync();
        Assert.Equal("sent", (await world.SettledAsync(fourth.Id)).Status);
        Assert.Equal(2, world.SmsTo(contact));
    }

    [Fact]
    public async Task A_marketing_message_past_the_weekly_cap_waits_until_the_oldest_counted_send_is_a_week_old()
    {
        var start = Local("America/New_York", new DateTime(2026, 12, 7, 10, 0, 0));
        using var world = new World(start, ("Pressure:DailyCap", "2"), ("Pressure:WeeklyCap", "3"));
        var contact = world.NewContact("America/New_York");
        var sms = await world.TemplateAsync("sms", new { purpose = "marketing", body = "News" });

        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", sms)).Status);
        world.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", sms)).Status);
        world.Time.SetUtcNow(start.AddDays(1).AddHours(2));
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", sms)).Status);
        world.Time.SetUtcNow(start.AddDays(2).AddHours(2));
        var fourth = await world.SendAndSettleAsync(contact, "sms", sms);

        Assert.Equal(("delayed", "weekly-cap", (DateTimeOffset?)start.AddDays(7)), (fourth.Status, fourth.Reason, fourth.DueAt));
        Assert.Equal(3, world.SmsTo(contact));
    }

    [Fact]
    public async Task A_transactional_message_passes_a_full_cap_and_counts_towards_it()
    {
        using var world = new World(Local("Asia/Tokyo", new DateTime(2026, 12, 10, 12, 0, 0)));
        var contact = world.NewContact("Asia/Tokyo");
        var marketing = await world.TemplateAsync("sms", new { purpose = "marketing", body = "News" });
        var receipt = await world.TemplateAsync("sms", new { purpose = "transactional", body = "Your receipt" });

        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", marketing)).Status);
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", marketing)).Status);
        Assert.Equal("sent", (await world.SendAndSettleAsync(contact, "sms", receipt)).Status);

        // The receipt took the third place of the day: the next marketing message waits; another receipt still goes.
        var held = await world.SendAndSettleAsync(contact, "sms", marketing);
        Assert.Equal(("delayed", "daily-cap"), (held.Status, held.Reason));
        Assert.Equal(("sent", null), await world.SendAndSettleAsync(contact, "sms", receipt) is { } r ? (r.Status, r.Reason) : default);
        Assert.Equal(4, world.SmsTo(contact));
    }

    [Fact]
    public async Task Consent_withdrawn_while_a_message_waits_blocks_it_when_it_is_decided_again()
    {
        using var world = new World(Local("Asia/Tokyo", new DateTime(2026, 12, 10, 23, 30, 0)));
        var contact = world.NewContact("Asia/Tokyo");
        var key = await world.TemplateAsync("sms", new { purpose = "marketing", body = "Sale!" });
        using var recorder = new BusRecorder(world.Factory.Harness.Bus);

        var delayed = await world.SendAndSettleAsync(contact, "sms", key);
        Assert.Equal(("delayed", "quiet-hours"), (delayed.Status, delayed.Reason));

        world.Factory.Contacts.Add(contact with { Consents = new Dictionary<string, string>(AllGranted) { ["sms"] = "withdrawn" } });
        world.Time.SetUtcNow(delayed.DueAt!.Value);
        await world.Factory.RunTimersAsync();

        var blocked = await world.SettledAsync(delayed.Id);
        Assert.Equal(("suppressed", "channel-withdrawn", null), (blocked.Status, blocked.Reason, blocked.DueAt));
        Assert.Equal(0, world.SmsTo(contact));
        Assert.DoesNotContain(recorder.Published<MessageSent>(), m => m.MessageId == delayed.Id);
    }

    [Fact]
    public async Task An_erasure_suppresses_a_delayed_message_and_its_timer_then_sends_nothing()
    {
        using var world = new World(Local("Europe/Madrid", new DateTime(2026, 12, 10, 22, 0, 0)));
        var contact = world.NewContact("Europe/Madrid");
        var key = await world.TemplateAsync("sms", new { purpose = "marketing", body = "Sale!" });
        var delayed = await world.SendAndSettleAsync(contact, "sms", key);
        Assert.Equal("delayed", delayed.Status);

        var request = Guid.NewGuid().ToString("N");
        await world.Factory.Harness.Bus.Publish(new Crm.Contracts.Contacts.ContactErasureRequested { EventId = Guid.NewGuid(), OccurredAt = world.Time.GetUtcNow(), ContactId = contact.Id, RequestId = request });
        await Poll.UntilAsync(
            () => Task.FromResult(world.Factory.Harness.Published.Select<Crm.Contracts.Contacts.ContactDataErased>(x => x.Context.Message.RequestId == request).Any()),
            "the erasure confirmed",
            Timeout);

        var erased = (await world.Factory.Store.GetAsync(MessageCollections.Messages, delayed.Id))!;
        Assert.Equal(("suppressed", (DateTimeOffset?)null, string.Empty), (erased.Status, erased.DueAt, erased.To));
        world.Time.SetUtcNow(delayed.DueAt!.Value);
        await world.Factory.RunTimersAsync();
        Assert.Equal(("suppressed", erased.Version), (await world.Factory.Store.GetAsync(MessageCollections.Messages, delayed.Id)) is { } after ? (after.Status, after.Version) : default);
        Assert.Equal(0, world.SmsTo(contact));
    }

    [Fact]
    public async Task Two_sends_racing_for_the_last_place_of_the_cap_let_exactly_one_go_now()
    {
        using var world = new World(Local("Europe/Madrid", new DateTime(2026, 12, 10, 12, 0, 0)), ("Pressure:DailyCap", "1"), ("Pressure:WeeklyCap", "1"));
        var contact = world.NewContact("Europe/Madrid");
        var key = await world.TemplateAsync("sms", new { purpose = "marketing", body = "Sale!" });

        // Both deliveries read the contact (and so the budget) before either takes the place.
        var arrived = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        world.Factory.Contacts.BeforeAnswer = async id =>
        {
            if (id != contact.Id)
            {
                return;
            }

            if (Interlocked.Increment(ref arrived) >= 2)
            {
                both.TrySetResult();
            }

            await Task.WhenAny(both.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        };

        var first = await world.QueueAsync(contact, "sms", key);
        var second = await world.QueueAsync(contact, "sms", key);
        var outcomes = new[] { await world.SettledAsync(first.Id), await world.SettledAsync(second.Id) };

        Assert.True(both.Task.IsCompletedSuccessfully, "the two sends did not read the contact at the same time");
        Assert.Single(outcomes, m => m.Status == "sent");
        Assert.Single(outcomes, m => m is { Status: "delayed", Reason: "daily-cap" });
        Assert.Equal(1, world.SmsTo(contact));
    }

    private static DateTimeOffset Local(string zone, DateTime local) =>
        new(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), TimeZoneInfo.FindSystemTimeZoneById(zone)), TimeSpan.Zero);

    /// <summary>Messaging on a fake clock with WireMock.Net as its SMS and WhatsApp providers (every request accepted).</summary>
    private sealed class World : IDisposable
    {
        private readonly ProviderFixture _fixture;

        public World(DateTimeOffset start, params (string Key, string Value)[] settings)
        {
            _fixture = new ProviderFixture(MessagingApiFactory.WithFakeClock(start));
            foreach (var (key, value) in settings)
            {
                Factory.Settings[key] = value;
            }

            _fixture.Provider
                .Given(Request.Create().WithPath($"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json").UsingPost())
                .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(new { sid = "SM" + Ids.New(), status = "queued" }));
            _fixture.Provider
                .Given(Request.Create().WithPath($"/v19.0/{ProviderFixture.PhoneNumberId}/messages").UsingPost())
                .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { messages = new[] { new { id = "wamid." + Ids.New() } } }));
        }

        public MessagingApiFactory Factory => _fixture.Factory;

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Factory.Time!;

        /// <summary>A contact in <paramref name="zone"/> with an e-mail and a phone, every channel granted.</summary>
        public ContactCard NewContact(string zone)
        {
            var suffix = Ids.New()[^10..];
            var phone = "+1555" + Random.Shared.NextInt64(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var contact = new ContactCard($"c-{Ids.New()}", $"Ada{suffix[..4]} Lovelace", [$"ada.{suffix}@example.com"])
            {
                Phones = [phone],
                TimeZone = zone,
                Consents = new Dictionary<string, string>(AllGranted),
            };
            Factory.Contacts.Add(contact);
            return contact;
        }

        public HttpClient Client() => Factory.CreateClient();

        public async Task<string> TemplateAsync(string channel, object body)
        {
            var key = "t-" + Ids.New().ToLowerInvariant()[^12..];
            using var client = Client();
            using var put = await client.PutAsJsonAsync(new Uri($"/api/messaging/templates/{key}/{channel}/en", UriKind.Relative), body);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            return key;
        }

        public async Task<MessageResponse> QueueAsync(ContactCard contact, string channel, string template)
        {
            using var client = Client();
            using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/messages", UriKind.Relative), new { contactId = contact.Id, channel, template });
            Assert.True(answer.StatusCode == HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync());
            return (await answer.Content.ReadFromJsonAsync<MessageResponse>(CrmClient.JsonOptions))!;
        }

        public async Task<Message> SendAndSettleAsync(ContactCard contact, string channel, string template) =>
            await SettledAsync((await QueueAsync(contact, channel, template)).Id);

        /// <summary>The message once a delivery decided it (no longer queued nor being sent).</summary>
        public Task<Message> SettledAsync(string id) =>
            Poll.ForAsync(
                async () => await Factory.Store.GetAsync(MessageCollections.Messages, id) is { Status: not ("queued" or "sending") } m ? m : null,
                $"message {id} decided",
                Timeout);

        public async Task<Page<MessageResponse>> ListAsync(string contactId)
        {
            using var client = Client();
            return (await client.GetFromJsonAsync<Page<MessageResponse>>(new Uri($"/api/messaging/messages?contactId={contactId}", UriKind.Relative), CrmClient.JsonOptions))!;
        }

        public Task PublishedAsync(string messageId) =>
            Poll.UntilAsync(() => Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == messageId), $"MessageSent of {messageId}", Timeout);

        /// <summary>How many SMS the provider was asked to send to the contact.</summary>
        public int SmsTo(ContactCard contact) =>
            _fixture.Provider.LogEntries.Count(e => e.RequestMessage.Path.EndsWith("/Messages.json", StringComparison.Ordinal)
                && e.RequestMessage.Body?.Contains(Uri.EscapeDataString(contact.Phones[0]), StringComparison.Ordinal) == true);

        public void Dispose() => _fixture.Dispose();
    }
}
