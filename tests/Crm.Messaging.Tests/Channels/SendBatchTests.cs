using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contacts.Consent;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Channels;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.Messaging.Pressure;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Xunit;

namespace Crm.Messaging.Tests.Channels;

/// <summary>Messaging with a WireMock.Net SMS provider that answers every number (201 with a sid) and no quiet hours.</summary>
public sealed class BatchProviderFixture : IDisposable
{
    public BatchProviderFixture()
    {
        var factory = new MessagingApiFactory();
        factory.Settings["Pressure:QuietHoursStart"] = "00:00";
        factory.Settings["Pressure:QuietHoursEnd"] = "00:00";
        Providers = new ProviderFixture(factory);
        Providers.Provider
            .Given(Request.Create().WithPath(SmsPath).UsingPost())
            .AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(201).WithBodyAsJson(new { sid = "SM-any", status = "queued" }));
    }

    public const string SmsPath = $"/2010-04-01/Accounts/{ProviderFixture.AccountSid}/Messages.json";

    public ProviderFixture Providers { get; }

    public void Dispose() => Providers.Dispose();
}

/// <summary>
/// The batched send path (<see cref="SendBatch"/>, <see cref="SendBatcher"/>) and <c>POST /api/messaging/messages/batch</c>:
/// the fence honoured per message within a batch, one contact's messages in one batch sharing its budget, one provider
/// failure leaving the others sent, redeliveries sending nothing twice.
/// </summary>
public sealed class SendBatchTests(BatchProviderFixture fixture) : IClassFixture<BatchProviderFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private MessagingApiFactory Factory => fixture.Providers.Factory;

    [Fact]
    public async Task Within_one_batch_the_fence_refuses_one_contacts_messages_and_the_others_go_within_holds_released_after()
    {
        var template = await TemplateAsync("marketing");
        var ada = NewContact();
        var bob = NewContact();
        Factory.Fence.Refuse(bob.Id, "withdrawn");
        var batch = new[] { await QueuedAsync(ada, template), await QueuedAsync(bob, template), await QueuedAsync(ada, template) };

        var outcomes = await RunBatchAsync(batch);

        Assert.All(outcomes, o => Assert.Null(o.Thrown));
        var messages = await MessagesAsync(batch);
        Assert.Equal([("sent", null), ("suppressed", "withdrawn"), ("sent", null)], messages.Select(m => (m.Status, m.Reason)));
        Assert.Equal(2, RequestsTo(ada.Phones[0]));
        Assert.Equal(0, RequestsTo(bob.Phones[0]));
        Assert.Contains($"hold-{batch[0].MessageId}", Factory.Fence.Released);
        Assert.Contains($"hold-{batch[2].MessageId}", Factory.Fence.Released);
        Assert.DoesNotContain(Factory.Fence.Open.Keys, k => k == $"hold-{batch[0].MessageId}" || k == $"hold-{batch[2].MessageId}");
        Assert.True(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == batch[2].MessageId));
        Assert.False(await Factory.Harness.Published.Any<MessageSent>(x => x.Context.Message.MessageId == batch[1].MessageId));
    }

    [Fact]
    public async Task Five_marketing_messages_of_one_contact_in_one_batch_send_three_and_delay_two_on_the_daily_cap()
    {
        var template = await TemplateAsync("marketing");
        var ada = NewContact();
        var batch = new List<MessageQueued>();
        for (var i = 0; i < 5; i++)
        {
            batch.Add(await QueuedAsync(ada, template));
        }

        await RunBatchAsync([.. batch]);

        var messages = await MessagesAsync(batch);
        Assert.Equal(["sent", "sent", "sent", "delayed", "delayed"], messages.Select(m => m.Status));
        Assert.All(messages.Skip(3), m => Assert.Equal("daily-cap", m.Reason));
        Assert.Equal(3, RequestsTo(ada.Phones[0]));
        var ledger = await Factory.Store.GetAsync(PressureCollections.Ledgers, ada.Id);
        Assert.Equal(batch.Take(3).Select(b => b.MessageId).Order(), ledger!.Sends.Select(s => s.MessageId).Order());
        Assert.Equal(1, ledger.Version);
    }

    [Fact]
    public async Task A_provider_failure_of_one_message_leaves_the_others_sent_and_only_it_is_queued_again_for_its_retry()
    {
        var template = await TemplateAsync("transactional");
        var ada = NewContact();
        var down = NewContact();
        var refused = NewContact();
        fixture.Providers.Provider
            .Given(Request.Create().WithPath(BatchProviderFixture.SmsPath).UsingPost().WithBody(b => b != null && b.Contains(Uri.EscapeDataString(down.Phones[0]), StringComparison.Ordinal)))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(503));
        fixture.Providers.Provider
            .Given(Request.Create().WithPath(BatchProviderFixture.SmsPath).UsingPost().WithBody(b => b != null && b.Contains(Uri.EscapeDataString(refused.Phones[0]), StringComparison.Ordinal)))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = 21211, message = "Invalid 'To' Phone Number" }));
        var batch = new[] { await QueuedAsync(ada, template), await QueuedAsync(down, template), await QueuedAsync(refused, template), await QueuedAsync(ada, template) };

        var outcomes = await RunBatchAsync(batch);

        var messages = await MessagesAsync(batch);
        Assert.Equal([("sent", null), ("queued", null), ("failed", "rejected"), ("sent", null)], messages.Select(m => (m.Status, m.Reason)));
        Assert.Equal([false, true, false, false], outcomes.Select(o => o.Thrown is not null));
        Assert.IsType<Crm.ServiceDefaults.Messaging.DependencyUnavailableException>(outcomes[1].Thrown, exactMatch: false);
        Assert.Equal(2, RequestsTo(ada.Phones[0]));
    }

    [Fact]
    public async Task A_message_twice_in_a_batch_and_again_in_a_later_one_is_handed_over_once()
    {
        var template = await TemplateAsync("transactional");
        var ada = NewContact();
        var queued = await QueuedAsync(ada, template);

        var first = await RunBatchAsync(queued, queued with { EventId = Guid.NewGuid() });
        var again = await RunBatchAsync(queued);

        Assert.Null(first[0].Thrown);
        Assert.IsType<ConcurrencyException>(first[1].Thrown); // busy: retried, then found handled
        Assert.Equal((ClaimStatus.AlreadyHandled, null), (again[0].Outcome.Claim, again[0].Thrown));
        Assert.Equal("sent", (await MessagesAsync([queued]))[0].Status);
        Assert.Equal(1, RequestsTo(ada.Phones[0]));
    }

    [Fact]
    public async Task The_same_MessageQueued_redelivered_through_the_bus_sends_one_sms_and_one_MessageSent()
    {
        var template = await TemplateAsync("transactional");
        var ada = NewContact();
        var queued = await QueuedAsync(ada, template);

        await Task.WhenAll(Factory.Harness.Bus.Publish(queued), Factory.Harness.Bus.Publish(queued with { EventId = Guid.NewGuid() }));
        await FinishedAsync(queued.MessageId);
        await Poll.UntilAsync(() => Task.FromResult(Factory.Harness.Consumed.Select<MessageQueued>(x => x.Context.Message.MessageId == queued.MessageId).Count() == 2), "both deliveries consumed", Timeout);
        await Poll.UntilAsync(() => Task.FromResult(Factory.Harness.Published.Select<MessageSent>(x => x.Context.Message.MessageId == queued.MessageId).Any()), "MessageSent published", Timeout);

        Assert.Equal(1, RequestsTo(ada.Phones[0]));
        Assert.Single(Factory.Harness.Published.Select<MessageSent>(x => x.Context.Message.MessageId == queued.MessageId));
    }

    [Fact]
    public async Task The_batch_endpoint_answers_per_item_queues_the_good_ones_in_one_go_and_they_are_sent()
    {
        var template = await TemplateAsync("transactional");
        var contacts = Enumerable.Range(0, 25).Select(_ => NewContact()).ToList();
        var items = contacts.Select(c => (object)new { contactId = c.Id, channel = "sms", template }).ToList();
        items.Insert(3, new { contactId = "", channel = "fax", template });
        items.Insert(7, new { contactId = "c-" + Ids.New(), channel = "sms", template });
        using var client = Factory.CreateClient();

        using var answer = await client.PostAsJsonAsync(new Uri("/api/messaging/messages/batch", UriKind.Relative), new { items });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var results = (await answer.Content.ReadFromJsonAsync<SendMessageBatchResponse>(CrmClient.JsonOptions))!.Results;
        Assert.Equal(Enumerable.Range(0, 27), results.Select(r => r.Index));
        Assert.Equal(400, results[3].Status);
        Assert.Equal(["channel", "contactId"], results[3].Errors!.Keys.Order());
        Assert.Equal(422, results[7].Status);
        Assert.Equal(["contactId"], results[7].Errors!.Keys);
        var accepted = results.Where(r => r.Status == 202).ToList();
        Assert.Equal(25, accepted.Count);
        foreach (var result in accepted)
        {
            Assert.Equal("sent", (await FinishedAsync(result.Id!)).Status);
        }

        Assert.All(contacts, c => Assert.Equal(1, RequestsTo(c.Phones[0])));
    }

    [Fact]
    public async Task The_batch_endpoint_refuses_no_items_too_many_and_unknown_fields_and_replays_an_Idempotency_Key()
    {
        var template = await TemplateAsync("transactional");
        var ada = NewContact();
        using var client = Factory.CreateClient();

        using var none = await client.PostAsJsonAsync(new Uri("/api/messaging/messages/batch", UriKind.Relative), new { items = Array.Empty<object>() });
        using var many = await client.PostAsJsonAsync(new Uri("/api/messaging/messages/batch", UriKind.Relative), new { items = Enumerable.Range(0, 1001).Select(_ => new { contactId = ada.Id, channel = "sms", template }) });
        using var unknown = await client.PostAsJsonAsync(new Uri("/api/messaging/messages/batch", UriKind.Relative), new { items = new[] { new { contactId = ada.Id, channel = "sms", template } }, results = Array.Empty<object>() });
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], new[] { none.StatusCode, many.StatusCode, unknown.StatusCode });
        Assert.Contains("\"items\"", await many.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("results", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var key = "batch-" + Ids.New();
        var body = new { items = new[] { new { contactId = ada.Id, channel = "sms", template } } };
        using var first = await PostAsync(client, body, key);
        using var second = await PostAsync(client, body, key);
        using var other = await PostAsync(client, new { items = new[] { new { contactId = ada.Id, channel = "email", template } } }, key);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Conflict), (first.StatusCode, second.StatusCode, other.StatusCode));
        var id = (await first.Content.ReadFromJsonAsync<SendMessageBatchResponse>(CrmClient.JsonOptions))!.Results[0].Id!;
        Assert.Equal(id, (await second.Content.ReadFromJsonAsync<SendMessageBatchResponse>(CrmClient.JsonOptions))!.Results[0].Id);
        await FinishedAsync(id);
        Assert.Equal(1, RequestsTo(ada.Phones[0]));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, object body, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/messaging/messages/batch", UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>Runs one batch as <see cref="SendBatcher"/> does, then collects each outcome in its own unit of work as its delivery does.</summary>
    private async Task<IReadOnlyList<(SendOutcome Outcome, Exception? Thrown)>> RunBatchAsync(params MessageQueued[] requests)
    {
        IReadOnlyList<SendOutcome> outcomes;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            outcomes = await scope.ServiceProvider.GetRequiredService<SendBatch>().SendAsync(requests, CancellationToken.None);
        }

        var applied = new List<(SendOutcome, Exception?)>();
        foreach (var outcome in outcomes)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            try
            {
                outcome.CollectInto(unit, NullLogger.Instance);
                await unit.CommitAsync();
                applied.Add((outcome, null));
            }
            catch (Exception ex)
            {
                applied.Add((outcome, ex));
            }
        }

        return applied;
    }

    /// <summary>A message stored <c>queued</c> (as the send API stores it) and its <see cref="MessageQueued"/>, not published.</summary>
    private async Task<MessageQueued> QueuedAsync(ContactCard contact, string template)
    {
        var message = new Message
        {
            Id = Ids.New(),
            ContactId = contact.Id,
            Channel = "sms",
            Template = template,
            To = string.Empty,
            Subject = string.Empty,
            Status = "queued",
            SentAt = DateTimeOffset.UtcNow.TruncateToMs(),
            Purpose = template.StartsWith("tm-", StringComparison.Ordinal) ? "marketing" : "transactional",
        };
        await Factory.Store.CommitAsync(Write.Insert(MessageCollections.Messages, message));
        return new MessageQueued { EventId = Guid.NewGuid(), OccurredAt = message.SentAt, MessageId = message.Id, ContactId = contact.Id, Channel = "sms", Template = template };
    }

    private async Task<IReadOnlyList<Message>> MessagesAsync(IEnumerable<MessageQueued> batch)
    {
        var messages = new List<Message>();
        foreach (var queued in batch)
        {
            messages.Add((await Factory.Store.GetAsync(MessageCollections.Messages, queued.MessageId))!);
        }

        return messages;
    }

    private ContactCard NewContact()
    {
        var suffix = Ids.New()[^10..];
        var phone = "+1556" + Random.Shared.NextInt64(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var contact = new ContactCard($"c-{Ids.New()}", $"Ada{suffix[..4]} Lovelace", [$"ada.{suffix}@example.com"])
        {
            Phones = [phone],
            Consents = new Dictionary<string, string> { ["sms"] = ConsentStatus.Granted },
        };
        Factory.Contacts.Add(contact);
        return contact;
    }

    /// <summary>An SMS template of the purpose (marketing keys start with <c>tm-</c>).</summary>
    private async Task<string> TemplateAsync(string purpose)
    {
        var key = (purpose == "marketing" ? "tm-" : "tt-") + Ids.New().ToLowerInvariant()[^12..];
        using var client = Factory.CreateClient();
        using var put = await client.PutAsJsonAsync(new Uri($"/api/messaging/templates/{key}/sms/en", UriKind.Relative), new { purpose, body = "Hi {{ contact.first_name }}." });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return key;
    }

    private int RequestsTo(string phone) =>
        fixture.Providers.Provider.LogEntries.Count(e => e.RequestMessage.Path == BatchProviderFixture.SmsPath && e.RequestMessage.Body?.Contains(Uri.EscapeDataString(phone), StringComparison.Ordinal) == true);

    private Task<Message> FinishedAsync(string id) =>
        Poll.ForAsync(
            async () => await Factory.Store.GetAsync(MessageCollections.Messages, id) is { Status: not ("queued" or "sending") } m ? m : null,
            $"message {id} to be finished",
            Timeout);
}
