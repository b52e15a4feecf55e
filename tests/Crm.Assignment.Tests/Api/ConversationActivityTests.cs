using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>
/// Conversations seen by the SLA clocks: the owner's reply in a conversation (<c>MessageSent</c>, template
/// <c>conversation-reply</c>) meets the first-contact SLA like a logged activity; the contact's inbound message is in the
/// lead's history; automatic messages (the welcome) are no owner activity.
/// </summary>
public sealed class ConversationActivityTests(CrmServiceFactory<AssignmentEntryPoint> factory) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    [Fact]
    public async Task A_conversation_reply_meets_the_first_contact_SLA_and_an_inbound_message_is_recorded()
    {
        var client = factory.CreateClient();
        await client.CreateRepAsync($"Clara {Guid.NewGuid():N}", 1000);
        var scored = ApiHelpers.Scored("hot", 30);
        await factory.Harness.Bus.Publish(scored);
        var assigned = await ApiHelpers.AssignedAsync(factory, scored.LeadId);
        var url = $"/api/assignment/leads/{scored.LeadId}";
        Assert.Equal("first-contact", (await client.ReadAsync<LeadAssignmentResponse>(url)).Sla!.Sla);

        var now = DateTimeOffset.UtcNow;
        await factory.Harness.Bus.Publish(new MessageSent
        {
            EventId = Guid.NewGuid(), OccurredAt = now, MessageId = "m-welcome", ContactId = scored.ContactId, LeadId = scored.LeadId,
            Channel = "email", Template = "welcome", To = "x@example.com",
        });
        await factory.Harness.Bus.Publish(new InboundMessageReceived
        {
            EventId = Guid.NewGuid(), OccurredAt = now.AddSeconds(1), MessageId = "m-in", ContactId = scored.ContactId, LeadId = scored.LeadId,
            ConversationId = "conv-1", Channel = "sms", OwnerRepId = assigned.RepId, IsReply = true,
        });
        await Poll.UntilAsync(() => Task.FromResult(factory.Harness.Consumed.Select<MessageSent>(x => x.Context.Message.MessageId == "m-welcome").Any()), "the MessageSent consumed");
        var inbound = await Poll.ForAsync(
            async () => await client.ReadAsync<LeadAssignmentResponse>(url) is { } l && l.History.Any(h => h.Kind == "inbound-message") ? l : null,
            "the inbound message in the lead's history");
        Assert.Equal(("first-contact", (DateTimeOffset?)null), (inbound.Sla!.Sla, inbound.FirstContactAt));
        Assert.Equal("sms: conversation conv-1", inbound.History[^1].Detail);

        var replied = now.AddSeconds(2);
        await factory.Harness.Bus.Publish(new MessageSent
        {
            EventId = Guid.NewGuid(), OccurredAt = replied, MessageId = "m-reply", ContactId = scored.ContactId, LeadId = scored.LeadId,
            Channel = "sms", Template = "conversation-reply", To = "+34600111222",
        });

        var after = await Poll.ForAsync(
            async () => await client.ReadAsync<LeadAssignmentResponse>(url) is { FirstContactAt: not null } l ? l : null,
            "the reply to meet the first-contact SLA");
        Assert.Equal(replied.TruncateToMs(), after.FirstContactAt);
        Assert.Equal(("follow-up", replied.TruncateToMs()), (after.Sla!.Sla, after.Sla.StartedAt));
        Assert.Equal(("activity", "conversation reply: sms"), (after.History[^1].Kind, after.History[^1].Detail));
        Assert.DoesNotContain(after.History, h => h.Detail?.Contains("welcome", StringComparison.Ordinal) == true);
    }
}
