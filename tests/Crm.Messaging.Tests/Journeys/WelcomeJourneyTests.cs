using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Assignment;
using Crm.Messaging.Journeys;
using Crm.Messaging.Messages;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Messaging.Tests.Journeys;

/// <summary>
/// The welcome as the editable default journey <c>welcome</c>: a template per lead channel / source (the fallback
/// <c>welcome</c>), one message per lead (<c>welcome:{leadId}</c>) whatever is redelivered, sent at once with the event's
/// lead and rep; edited through the journeys API (a stored version decides, only branches and sends accepted).
/// </summary>
public sealed class WelcomeJourneyTests
{
    private static LeadAssigned Assigned(string contactId, string? channel, string? source) => MessagingApiFactory.NewLeadAssigned(contactId) with
    {
        Channel = channel,
        Source = source,
        Campaign = "spring-sale",
    };

    private static Task<Message> WelcomeAsync(MessagingApiFactory factory, string leadId) =>
        Poll.ForAsync(
            async () => (await factory.Store.FindAsync(MessageQueries.OfDedupeKey(MessageKeys.Welcome(leadId)))) is [{ Status: not ("queued" or "sending" or "delayed") } m] ? m : null,
            $"the welcome of {leadId} to be finished",
            TimeSpan.FromSeconds(30));

    /// <summary>Publishes <paramref name="e"/> and waits until the welcome's queue committed it (its inbox record).</summary>
    private static async Task PublishAsync(MessagingApiFactory factory, LeadAssigned e)
    {
        var messageId = Guid.NewGuid();
        await factory.Harness.Bus.Publish(e, MassTransit.Pipe.Execute<MassTransit.PublishContext<LeadAssigned>>(context => context.MessageId = messageId));
        await Poll.UntilAsync(
            async () => await factory.Store.GetAsync(PlatformCollections.Inbox, new InboxKey(messageId.ToString("N"), "messaging-lead-assigned").Id) is not null,
            "LeadAssigned committed by messaging-lead-assigned",
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_lead_from_ads_gets_the_ads_welcome_once_with_its_campaign_and_rep_and_no_enrollment()
    {
        await using var factory = new MessagingApiFactory();
        var contact = factory.NewContact();
        var assigned = Assigned(contact.Id, channel: "ads", source: "google-ads");

        await PublishAsync(factory, assigned);
        await PublishAsync(factory, assigned); // the same event again under a new message id

        var welcome = await WelcomeAsync(factory, assigned.LeadId);
        Assert.Equal(("welcome-ads", "email", "picked-up", "transactional", "rep-1"), (welcome.Template, welcome.Channel, welcome.Status, welcome.Purpose, welcome.OwnerRepId));
        Assert.Single(await factory.Store.FindAsync(MessageQueries.OfContact(contact.Id)));
        var eml = MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{welcome.Id}.eml")).TextBody;
        Assert.Contains("thank you for answering spring-sale", eml, StringComparison.Ordinal);
        Assert.Contains("Grace Hopper is your personal contact", eml, StringComparison.Ordinal);
        Assert.Contains(contact.Name!, eml, StringComparison.Ordinal);
        Assert.Empty(await factory.Store.FindAsync(JourneyQueries.OfContactInJourney(contact.Id, DefaultJourneys.Welcome)));
    }

    [Fact]
    public async Task A_lead_of_another_source_gets_the_general_welcome()
    {
        await using var factory = new MessagingApiFactory();
        var contact = factory.NewContact();
        var assigned = Assigned(contact.Id, channel: "web", source: "landing-page");

        await factory.Harness.Bus.Publish(assigned);

        var welcome = await WelcomeAsync(factory, assigned.LeadId);
        Assert.Equal(("welcome", "picked-up"), (welcome.Template, welcome.Status));
        Assert.Equal($"Welcome, {contact.Name}!", welcome.Subject);
    }

    [Fact]
    public async Task An_edited_welcome_journey_decides_and_an_inactive_one_sends_nothing()
    {
        await using var factory = new MessagingApiFactory();
        using var client = factory.CreateClient();
        var edited = new JourneyRequest
        {
            Name = "Welcome: fairs get the partner text",
            Trigger = new() { Event = "LeadAssigned" },
            Steps = [new() { Type = "branch", If = new() { Field = "source", Op = "eq", Values = ["fair"] }, GoTo = 2 }, new() { Type = "send", Template = "welcome", Channel = "email" }, new() { Type = "send", Template = "welcome-partner", Channel = "email" }],
        };
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/api/messaging/journeys/welcome") { Content = JsonContent.Create(edited) })
        {
            put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(put)).StatusCode);
        }

        var fair = factory.NewContact();
        var fromFair = Assigned(fair.Id, channel: "ads", source: "fair");
        await factory.Harness.Bus.Publish(fromFair);
        var welcome = await WelcomeAsync(factory, fromFair.LeadId);
        Assert.Equal("welcome-partner", welcome.Template);
        Assert.Contains("our partner fair told us", MimeKit.MimeMessage.Load(Path.Combine(factory.PickupDirectory, $"{welcome.Id}.eml")).TextBody, StringComparison.Ordinal);

        using (var pause = new HttpRequestMessage(HttpMethod.Put, "/api/messaging/journeys/welcome") { Content = JsonContent.Create(edited with { Active = false }) })
        {
            pause.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(pause)).StatusCode);
        }

        var later = factory.NewContact();
        var unwelcomed = Assigned(later.Id, channel: "web", source: "fair");
        await PublishAsync(factory, unwelcomed);
        Assert.Empty(await factory.Store.FindAsync(MessageQueries.OfContact(later.Id)));
    }

    [Fact]
    public async Task The_welcome_journey_takes_only_branches_on_the_events_fields_and_sends_without_fallback()
    {
        await using var factory = new MessagingApiFactory();
        using var client = factory.CreateClient();
        var request = new JourneyRequest
        {
            Name = "Welcome later",
            Trigger = new() { Event = "OrderPlaced" },
            Steps =
            [
                new() { Type = "wait", Duration = "1.00:00:00" },
                new() { Type = "branch", If = new() { Field = "contact.country", Op = "eq", Values = ["DE"] }, GoTo = 3 },
                new() { Type = "send", Template = "follow-up-1", Channel = "email", FallbackChannel = "sms" },
                new() { Type = "send", Template = "welcome", Channel = "email" },
            ],
            StopOn = ["replied"],
        };
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/messaging/journeys/welcome") { Content = JsonContent.Create(request) };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0\""));

        var answer = await client.SendAsync(put);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var errors = (await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name);
        Assert.Equal(["steps[0].type", "steps[1].if.field", "steps[2].fallbackChannel", "stopOn", "trigger.event"], errors.Order(StringComparer.Ordinal));
    }
}
