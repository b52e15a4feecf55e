using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Signals;

/// <summary>Messaging's <c>InboundMessageReceived</c>: the contact's open lead records a <c>reply</c> signal once per inbound message.</summary>
public sealed class InboundReplyTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    [Fact]
    public async Task An_inbound_message_records_one_reply_on_the_contacts_open_lead_even_when_delivered_twice()
    {
        using var client = factory.CreateClient();
        using var captured = await client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"reply-{Guid.NewGuid():N}@example.com", Source = "inbound-reply" }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, captured.StatusCode);
        var lead = (await captured.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
        var contactId = await Poll.ForAsync(
            async () => (await factory.Store.GetAsync(LeadCollections.Leads, lead.Id))?.ContactId,
            "the lead's contact",
            TimeSpan.FromSeconds(30));
        var inbound = new InboundMessageReceived
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            MessageId = "in-" + Guid.NewGuid().ToString("N"),
            ContactId = contactId,
            ConversationId = "conv-1",
            Channel = "sms",
            IsReply = true,
        };

        await factory.Harness.Bus.Publish(inbound);
        await factory.Harness.Bus.Publish(inbound with { EventId = Guid.NewGuid() });

        await Poll.UntilAsync(
            () => factory.Harness.Published.Any<InteractionRecorded>(x => x.Context.Message.Interactions.Any(i => i.LeadId == lead.Id && i.Type == SignalTypes.Reply)),
            "InteractionRecorded with the reply",
            TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(async () => await factory.Harness.Consumed.Any<InboundMessageReceived>(x => x.Context.Message.MessageId == inbound.MessageId && x.Context.Message.EventId != inbound.EventId), "the second delivery", TimeSpan.FromSeconds(30));
        var stored = (await factory.Store.GetAsync(LeadCollections.Leads, lead.Id))!;
        Assert.Equal(1, stored.Signals.Where(s => s.Type == SignalTypes.Reply).Sum(s => s.Count));
    }

    [Fact]
    public async Task A_contact_without_a_lead_records_nothing()
    {
        var inbound = new InboundMessageReceived
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            MessageId = "in-" + Guid.NewGuid().ToString("N"),
            ContactId = "c-nobody-" + Guid.NewGuid().ToString("N"),
            ConversationId = "conv-2",
            Channel = "email",
            IsReply = false,
        };

        await factory.Harness.Bus.Publish(inbound);

        Assert.True(await factory.Harness.Consumed.Any<InboundMessageReceived>(x => x.Context.Message.EventId == inbound.EventId));
        Assert.False(await factory.Harness.Published.Any<InteractionRecorded>(x => x.Context.Message.Interactions.Any(i => i.ContactId == inbound.ContactId)));
    }
}
