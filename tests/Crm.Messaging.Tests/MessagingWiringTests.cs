using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Welcome;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace Crm.Messaging.Tests;

/// <summary>What configuration chooses: the e-mail transport and the Contacts client.</summary>
public sealed class MessagingWiringTests
{
    [Fact]
    public async Task Without_an_SMTP_host_emails_go_to_the_pickup_folder_and_Contacts_is_asked_over_gRPC()
    {
        await using var factory = new CrmServiceFactory<MessagingEntryPoint>();
        factory.Settings["Smtp:Host"] = "";
        factory.Settings["Services:Contacts:Grpc"] = "http://127.0.0.1:1";

        Assert.IsType<PickupDirectoryEmailSender>(factory.Services.GetRequiredService<IEmailSender>());
        using var scope = factory.Services.CreateScope();
        Assert.IsType<GrpcContactDirectory>(scope.ServiceProvider.GetRequiredService<IContactDirectory>());
    }

    [Fact]
    public async Task The_welcome_consumer_keeps_its_queue()
    {
        // The queue name is also the consumer's inbox key: renaming it would forget which messages were applied.
        await using var factory = new MessagingApiFactory();

        var endpoint = factory.Services.GetRequiredService<IEndpointDefinition<SendWelcomeOnLeadAssigned>>();

        Assert.Equal("messaging-lead-assigned", endpoint.GetEndpointName(factory.Services.GetRequiredService<IEndpointNameFormatter>()));
    }

    [Fact]
    public async Task The_erasure_consumer_has_its_own_queue()
    {
        await using var factory = new MessagingApiFactory();

        var endpoint = factory.Services.GetRequiredService<IEndpointDefinition<EraseOnErasureRequested>>();

        Assert.Equal("messaging-contact-erasure-requested", endpoint.GetEndpointName(factory.Services.GetRequiredService<IEndpointNameFormatter>()));
    }

    [Fact]
    public async Task The_merge_consumers_have_their_own_queues()
    {
        await using var factory = new MessagingApiFactory();
        var names = factory.Services.GetRequiredService<IEndpointNameFormatter>();

        Assert.Equal("messaging-contacts-merged", factory.Services.GetRequiredService<IEndpointDefinition<RekeyOnContactsMerged>>().GetEndpointName(names));
        Assert.Equal("messaging-contacts-unmerged", factory.Services.GetRequiredService<IEndpointDefinition<RekeyOnContactsUnmerged>>().GetEndpointName(names));
    }

    [Fact]
    public async Task With_an_SMTP_host_the_welcome_email_reaches_the_SMTP_server_and_is_recorded_as_sent()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = MessagingApiFactory.WithSmtpServer(sink.Port);
        Assert.IsType<SmtpEmailSender>(factory.Services.GetRequiredService<IEmailSender>());
        var suffix = Ids.New()[^10..];
        var contact = new ContactCard($"c-{Ids.New()}", $"Linus {suffix}", [$"linus.{suffix}@example.com"]);
        factory.Contacts.Add(contact);
        var assigned = new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = $"l-{Ids.New()}",
            ContactId = contact.Id,
            RepId = "rep-1",
            RepName = "Grace Hopper",
        };

        await factory.Harness.Bus.Publish(assigned);

        var raw = await Poll.ForAsync(async () => (await sink.ReadMessagesAsync()).SingleOrDefault(), "the welcome e-mail at the SMTP server");
        using var email = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal($"Welcome, {contact.Name}!", email.Subject);
        Assert.Contains($"Hello {contact.Name},", email.TextBody, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(factory.PickupDirectory));

        using var client = factory.CreateClient();
        var page = await Poll.ForAsync(
            async () =>
            {
                var response = await client.GetAsync(new Uri($"/api/messaging/messages?leadId={assigned.LeadId}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var body = await response.Content.ReadFromJsonAsync<Page<MessageResponse>>(CrmClient.JsonOptions);
                return body!.Items.Count > 0 ? body : null;
            },
            "the message in the list");
        Assert.Equal("sent", Assert.Single(page.Items).Status);
    }

    [Fact]
    public async Task A_welcome_whose_hand_over_broke_off_is_sent_again_under_the_same_id_never_as_a_second_e_mail()
    {
        await using var factory = new MessagingApiFactory();
        factory.Settings["Sending:Timeout"] = "00:00:01";
        factory.Settings["Sending:ClaimLease"] = "00:00:02";
        factory.Settings["Timers:PollInterval"] = "00:00:00.100";
        factory.Settings["Messaging:Retry:FirstDelay"] = "00:00:00.200";
        factory.Settings["Messaging:Retry:MaxDelay"] = "00:00:00.500";
        var sender = new BreaksOffOnce();
        factory.ReplaceEmailSender(sender);
        var contact = new ContactCard($"c-{Ids.New()}", "Edsger", ["edsger@example.com"]);
        factory.Contacts.Add(contact);
        var leadId = $"l-{Ids.New()}";

        await factory.Harness.Bus.Publish(new LeadAssigned { EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, LeadId = leadId, ContactId = contact.Id, RepId = "rep-1", RepName = "Grace" });

        // The first hand-over broke off (the server may have taken it): the claim stays, the immediate retries find it
        // busy, and once its lease ends the message is taken over and sent again under the same id.
        await Poll.UntilAsync(() => Task.FromResult(sender.Ids.Count >= 2), "the welcome to be sent again after the claim's lease", TimeSpan.FromSeconds(30));
        Assert.Single(sender.Ids.Distinct());
        using var client = factory.CreateClient();
        var sent = await Poll.ForAsync(
            async () => (await client.GetFromJsonAsync<Page<MessageResponse>>(new Uri($"/api/messaging/messages?leadId={leadId}", UriKind.Relative), CrmClient.JsonOptions))!.Items.SingleOrDefault(),
            "the message recorded as sent");
        Assert.Equal(sender.Ids[0], sent.Id);
    }

    [Fact]
    public async Task A_claim_lease_not_longer_than_the_send_timeout_is_refused_at_start()
    {
        await using var factory = new MessagingApiFactory();
        factory.Settings["Sending:Timeout"] = "00:00:30";
        factory.Settings["Sending:ClaimLease"] = "00:00:30";

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("Sending:ClaimLease (00:00:30) must be longer than Sending:Timeout (00:00:30).", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(new Crm.Messaging.Messages.SendingOptions().Errors());
    }

    /// <summary>Breaks off the first hand-over as a dropped SMTP connection would, then takes every e-mail.</summary>
    private sealed class BreaksOffOnce : IEmailSender
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _ids = new();

        public IReadOnlyList<string> Ids => [.. _ids];

        public Task<EmailDelivery> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
        {
            _ids.Enqueue(message.MessageId);
            return _ids.Count == 1
                ? throw new EmailOutcomeUnknownException("the connection dropped after DATA", new IOException("reset"))
                : Task.FromResult(new EmailDelivery(EmailStatus.Sent, "test"));
        }
    }
}
