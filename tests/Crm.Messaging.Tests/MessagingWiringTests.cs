using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Messaging.Contacts;
using Crm.Messaging.Email;
using Crm.Messaging.Welcome;
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
}
