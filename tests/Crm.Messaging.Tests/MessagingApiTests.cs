using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using Crm.Messaging.Contacts;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using MimeKit;
using Xunit;

namespace Crm.Messaging.Tests;

public sealed class MessagingApiTests(MessagingApiFactory factory) : IClassFixture<MessagingApiFactory>, IDisposable
{
    /// <summary>The LeadAssigned events the welcome's queue consumed (the harness' Consumed list keeps one entry per message, whichever of its queues — welcome, webhooks — took it first).</summary>
    private readonly WelcomeConsumptions _welcomes = new(factory.Harness.Bus);

    public void Dispose() => _welcomes.Dispose();

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LeadAssigned_sends_the_welcome_email_publishes_MessageSent_and_lists_the_message()
    {
        var contact = NewContact();
        var assigned = NewLeadAssigned(contact.Id);

        await factory.Harness.Bus.Publish(assigned);

        var email = await Poll.ForAsync(() => Task.FromResult(FindEmail(contact.Name!)), "the welcome e-mail in the pickup folder", Timeout);
        Assert.Equal($"Welcome, {contact.Name}!", email.Subject);
        Assert.Contains($"Hello {contact.Name},", email.TextBody, StringComparison.Ordinal);
        Assert.Contains(assigned.RepName, email.TextBody, StringComparison.Ordinal);
        Assert.Equal(contact.Emails[0], email.To.Mailboxes.Single().Address);

        var sent = await FirstPublishedAsync<MessageSent>(x => x.LeadId == assigned.LeadId);
        Assert.Equal(contact.Id, sent.ContactId);
        Assert.Equal("email", sent.Channel);
        Assert.Equal("welcome", sent.Template);
        Assert.Equal(contact.Emails[0], sent.To);

        var page = await ListAsync($"leadId={assigned.LeadId}");
        var message = Assert.Single(page.Items);
        Assert.Equal(sent.MessageId, message.Id);
        Assert.Equal(contact.Id, message.ContactId);
        Assert.Equal(assigned.LeadId, message.LeadId);
        Assert.Equal(Channel.Email, message.Channel);
        Assert.Equal("welcome", message.Template);
        Assert.Equal(contact.Emails[0], message.To);
        Assert.Equal(email.Subject, message.Subject);
        Assert.Equal("picked-up", message.Status);
        Assert.Equal(sent.MessageId, email.Headers["X-Crm-Message-Id"]);
        Assert.Equal([message.Id], (await ListAsync($"contactId={contact.Id}")).Items.Select(m => m.Id));
    }

    [Fact]
    public async Task The_same_LeadAssigned_delivered_twice_sends_one_email()
    {
        var contact = NewContact();
        var assigned = NewLeadAssigned(contact.Id);
        var messageId = NewId.NextGuid();
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(assigned, ctx => ctx.MessageId = messageId);
        await factory.Harness.Bus.Publish(assigned, ctx => ctx.MessageId = messageId);

        await Poll.UntilAsync(() => Task.FromResult(recorder.Finished(messageId) >= 2), "both deliveries consumed", Timeout);
        await factory.WelcomeFinishedAsync(assigned.LeadId);
        Assert.Single(FindEmails(contact.Name!));
        Assert.Single((await ListAsync($"leadId={assigned.LeadId}")).Items);
        var stored = Assert.Single(await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(assigned.LeadId, "welcome")));
        Assert.Equal(("picked-up", null, null), (stored.Status, stored.ClaimToken, stored.LeaseUntil));
    }

    [Fact]
    public async Task A_MessageId_applied_before_changes_nothing_whatever_lead_it_names()
    {
        var contact = NewContact();
        var first = NewLeadAssigned(contact.Id);
        var otherContact = NewContact();
        var other = NewLeadAssigned(otherContact.Id);
        var messageId = NewId.NextGuid();
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(first, ctx => ctx.MessageId = messageId);
        // LeadAssigned has two queues in Messaging: the welcome and the webhook fan-out; each delivery is consumed on both.
        const int queues = 2;
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(messageId) >= queues), "the first delivery consumed", Timeout);
        await factory.Harness.Bus.Publish(other, ctx => ctx.MessageId = messageId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Finished(messageId) >= 2 * queues), "the second delivery consumed", Timeout);
        await factory.WelcomeFinishedAsync(first.LeadId);

        Assert.Single((await ListAsync($"leadId={first.LeadId}")).Items);
        Assert.Empty((await ListAsync($"leadId={other.LeadId}")).Items);
        Assert.Empty(FindEmails(otherContact.Name!));
        Assert.Single(FindEmails(contact.Name!));
        Assert.Empty(await factory.Store.FindAsync(MessageQueries.OfLeadAndTemplate(other.LeadId, "welcome")));
    }

    [Fact]
    public async Task A_second_assignment_of_the_same_lead_sends_no_second_welcome()
    {
        var contact = NewContact();
        var first = NewLeadAssigned(contact.Id);
        var second = first with { EventId = Guid.NewGuid(), RepId = "rep-2", RepName = "Other Rep" };

        await factory.Harness.Bus.Publish(first);
        await ConsumedAsync(first);
        await factory.Harness.Bus.Publish(second);
        await ConsumedAsync(second);

        var email = Assert.Single(FindEmails(contact.Name!));
        Assert.Contains(first.RepName, email.TextBody, StringComparison.Ordinal);
        Assert.Single((await ListAsync($"leadId={first.LeadId}")).Items);
    }

    [Fact]
    public async Task A_contact_without_an_email_gets_a_skipped_record_and_no_MessageSent()
    {
        var contact = NewContact() with { Emails = [] };
        factory.Contacts.Add(contact);
        var assigned = NewLeadAssigned(contact.Id);
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(assigned);
        await ConsumedAsync(assigned);

        var message = Assert.Single((await ListAsync($"leadId={assigned.LeadId}")).Items);
        Assert.Equal("skipped", message.Status);
        Assert.Equal("", message.To);
        Assert.Empty(FindEmails(contact.Name!));

        // The outbox publishes in order: once a later message's event is out, an event of the skipped one would be too.
        var later = NewLeadAssigned(NewContact().Id);
        await factory.Harness.Bus.Publish(later);
        await PublishedAsync<MessageSent>(x => x.LeadId == later.LeadId);
        Assert.Contains(recorder.Published<MessageSent>(), m => m.LeadId == later.LeadId);
        Assert.DoesNotContain(recorder.Published<MessageSent>(), m => m.LeadId == assigned.LeadId);
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "withdrawn")]
    [InlineData(true, "granted")]
    public async Task A_contact_who_is_do_not_contact_or_withdrew_email_consent_gets_a_suppressed_record_and_no_email(bool doNotContact, string? email)
    {
        var contact = NewContact() with
        {
            DoNotContact = doNotContact,
            Consents = email is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["email"] = email },
        };
        factory.Contacts.Add(contact);
        var assigned = NewLeadAssigned(contact.Id);
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(assigned);
        await ConsumedAsync(assigned);

        var message = Assert.Single((await ListAsync($"leadId={assigned.LeadId}")).Items);
        Assert.Equal("suppressed", message.Status);
        Assert.Equal("", message.To);
        Assert.Empty(FindEmails(contact.Name!));

        // The outbox publishes in order: once a later message's event is out, an event of the suppressed one would be too.
        var later = NewLeadAssigned(NewContact().Id);
        await factory.Harness.Bus.Publish(later);
        await PublishedAsync<MessageSent>(x => x.LeadId == later.LeadId);
        Assert.DoesNotContain(recorder.Published<MessageSent>(), m => m.LeadId == assigned.LeadId);
    }

    [Fact]
    public async Task The_welcome_is_sent_while_email_consent_is_unknown_or_granted_even_with_another_channel_withdrawn()
    {
        var contact = NewContact() with { Consents = new Dictionary<string, string> { ["email"] = "granted", ["sms"] = "withdrawn" } };
        factory.Contacts.Add(contact);
        var assigned = NewLeadAssigned(contact.Id);

        await factory.Harness.Bus.Publish(assigned);

        await Poll.ForAsync(() => Task.FromResult(FindEmail(contact.Name!)), "the welcome e-mail in the pickup folder", Timeout);
        await PublishedAsync<MessageSent>(x => x.LeadId == assigned.LeadId);
    }

    [Fact]
    public void The_consent_of_a_GetContact_reply_reaches_the_card()
    {
        var reply = new Crm.Contacts.Grpc.ContactReply { ContactId = "c1", DoNotContact = true };
        reply.Emails.Add("a@example.com");
        reply.Consents.Add(new Crm.Contacts.Grpc.ChannelConsentStatus { Channel = "email", Status = "withdrawn" });
        reply.Consents.Add(new Crm.Contacts.Grpc.ChannelConsentStatus { Channel = "sms", Status = "granted", LegalBasis = "consent" });

        var card = GrpcContactDirectory.ToCard(reply);
        var older = GrpcContactDirectory.ToCard(new Crm.Contacts.Grpc.ContactReply { ContactId = "c2" });

        Assert.True(card.DoNotContact);
        Assert.Equal(("withdrawn", "granted", (string?)null), (card.ConsentOf("email"), card.ConsentOf("sms"), card.ConsentOf("phone")));
        Assert.False(older.DoNotContact);
        Assert.Empty(older.Consents);
    }

    [Fact]
    public async Task List_pages_newest_first_with_a_cursor()
    {
        var contact = NewContact();
        var leads = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var assigned = NewLeadAssigned(contact.Id);
            leads.Add(assigned.LeadId);
            await factory.Harness.Bus.Publish(assigned);
            await PublishedAsync<MessageSent>(x => x.LeadId == assigned.LeadId);
        }

        var first = await ListAsync($"contactId={contact.Id}&limit=2");
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        var second = await ListAsync($"contactId={contact.Id}&limit=2&cursor={first.NextCursor}");
        Assert.Null(second.NextCursor);

        var all = first.Items.Concat(second.Items).ToList();
        Assert.Equal(leads.AsEnumerable().Reverse(), all.Select(m => m.LeadId));
        Assert.Equal(all.OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Id, StringComparer.Ordinal).Select(m => m.Id), all.Select(m => m.Id));
    }

    [Fact]
    public async Task Listing_every_message_needs_messaging_admin_and_a_filtered_list_needs_only_read()
    {
        var contact = NewContact();
        var assigned = NewLeadAssigned(contact.Id);
        await factory.Harness.Bus.Publish(assigned);
        await PublishedAsync<MessageSent>(x => x.LeadId == assigned.LeadId);
        using var reader = factory.CreateClient().As(TestIdentity.Key("support-desk", "messaging:read"));

        using var everything = await reader.GetAsync(new Uri("/api/messaging/messages", UriKind.Relative));
        using var filtered = await reader.GetAsync(new Uri($"/api/messaging/messages?contactId={contact.Id}", UriKind.Relative));
        var all = await ListAsync("limit=500");

        Assert.Equal(HttpStatusCode.Forbidden, everything.StatusCode);
        Assert.Contains("messaging:admin", await everything.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
        var page = await filtered.Content.ReadFromJsonAsync<Page<MessageResponse>>(CrmClient.JsonOptions);
        Assert.Equal(assigned.LeadId, Assert.Single(page!.Items).LeadId);
        Assert.Contains(all.Items, m => m.LeadId == assigned.LeadId);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task List_rejects_bad_parameters_naming_the_field(string query, string field)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/messaging/messages?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    private ContactCard NewContact() => factory.NewContact("Ada");

    private static LeadAssigned NewLeadAssigned(string contactId) => MessagingApiFactory.NewLeadAssigned(contactId);

    private async Task<Page<MessageResponse>> ListAsync(string query)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri($"/api/messaging/messages?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Page<MessageResponse>>(CrmClient.JsonOptions))!;
    }

    /// <summary>
    /// Waits until the welcome's queue consumed <paramref name="message"/> (its unit of work committed). Polled, by the
    /// queue: the harness' <c>Consumed</c> has one entry per message, whichever of its queues took it first.
    /// </summary>
    private async Task ConsumedAsync(LeadAssigned message)
    {
        await Poll.UntilAsync(() => Task.FromResult(_welcomes.Consumed(message.EventId)), $"LeadAssigned {message.EventId} consumed by the welcome", Timeout);

        // The consumer queues the welcome; the send path finishes it.
        await factory.WelcomeFinishedAsync(message.LeadId);
    }

    private sealed class WelcomeConsumptions : IConsumeObserver, IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _consumed = new();
        private readonly ConnectHandle _handle;

        public WelcomeConsumptions(IBus bus) => _handle = bus.ConnectConsumeObserver(this);

        public bool Consumed(Guid eventId) => _consumed.ContainsKey(eventId);

        public Task PreConsume<T>(ConsumeContext<T> context)
            where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context)
            where T : class
        {
            if (context.Message is LeadAssigned assigned && context.ReceiveContext.InputAddress.AbsolutePath.EndsWith("/messaging-lead-assigned", StringComparison.Ordinal))
            {
                _consumed[assigned.EventId] = true;
            }

            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;

        public void Dispose() => _handle.Disconnect();
    }

    /// <summary>Waits until the service published a matching event (polled, see <see cref="ConsumedAsync"/>).</summary>
    private Task PublishedAsync<T>(Func<T, bool> match)
        where T : class =>
        Poll.UntilAsync(() => factory.Harness.Published.Any<T>(x => match(x.Context.Message)), $"{typeof(T).Name} published", Timeout);

    /// <summary>The first matching event the service published (waits for it; never for the harness to go idle).</summary>
    private async Task<T> FirstPublishedAsync<T>(Func<T, bool> match)
        where T : class
    {
        await PublishedAsync(match);
        await foreach (var published in factory.Harness.Published.SelectAsync<T>(x => match(x.Context.Message)))
        {
            return published.Context.Message;
        }

        throw new InvalidOperationException("unreachable: Any found it");
    }

    private MimeMessage? FindEmail(string name) => FindEmails(name).SingleOrDefault();

    private List<MimeMessage> FindEmails(string name)
    {
        var found = new List<MimeMessage>();
        foreach (var file in Directory.GetFiles(factory.PickupDirectory, "*.eml"))
        {
            var message = MimeMessage.Load(file);
            if (message.Subject?.Contains(name, StringComparison.Ordinal) == true)
            {
                found.Add(message);
            }
            else
            {
                message.Dispose();
            }
        }

        return found;
    }
}
