using Crm.Assignment.Assignments;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Sla;

/// <summary>
/// Queue <c>assignment-conversation-activity</c>: conversations in Messaging seen by the SLA clocks. A reply in a
/// conversation (<see cref="MessageSent"/> of template <see cref="ConversationReply"/> about a lead) is the owner acting,
/// exactly as a logged activity (<see cref="TrackLeadActivity.ApplyAsync"/>): the first one meets the first-contact SLA,
/// each one restarts the follow-up clock. Other messages (the welcome, journeys, surveys) are automatic: not the owner.
/// An inbound message (<see cref="InboundMessageReceived"/> about a lead) is the contact writing: recorded in the lead's
/// history (<c>inbound-message</c>, with channel and conversation), the clocks unchanged — it is the owner's reply that
/// meets them.
/// </summary>
public sealed class TrackConversationActivity(UnitOfWork unit) : IConsumer<MessageSent>, IConsumer<InboundMessageReceived>
{
    /// <summary>Messaging's template of a conversation reply.</summary>
    public const string ConversationReply = "conversation-reply";

    public Task Consume(ConsumeContext<MessageSent> context)
    {
        var sent = context.Message;
        return OwnerActivity.IsOwnerReply(sent.Template, sent.LeadId)
            ? TrackLeadActivity.ApplyAsync(unit, sent.LeadId!, sent.OccurredAt.TruncateToMs(), $"conversation reply: {sent.Channel}", context.CancellationToken)
            : Task.CompletedTask;
    }

    public async Task Consume(ConsumeContext<InboundMessageReceived> context)
    {
        var inbound = context.Message;
        if (string.IsNullOrWhiteSpace(inbound.LeadId)
            || await unit.GetAsync(AssignmentCollections.Leads, inbound.LeadId, context.CancellationToken) is not { } lead
            || OwnerActivity.Inbound(lead, inbound.OccurredAt.TruncateToMs(), inbound.Channel, inbound.ConversationId) is not { } after)
        {
            return;
        }

        unit.Replace(AssignmentCollections.Leads, after with { Version = lead.Version + 1 }, lead.Version);
    }
}

/// <summary>The pure rules of conversation activity on a lead.</summary>
public static class OwnerActivity
{
    /// <summary>Whether a sent message is the owner answering about a lead: a conversation reply naming the lead.</summary>
    public static bool IsOwnerReply(string? template, string? leadId) =>
        string.Equals(template, TrackConversationActivity.ConversationReply, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(leadId);

    /// <summary>
    /// The lead with the contact's inbound message in its history; null when nothing changes (the same message recorded
    /// already: same time and conversation).
    /// </summary>
    public static LeadAssignment? Inbound(LeadAssignment lead, DateTimeOffset at, string channel, string conversationId)
    {
        var entry = new LeadHistoryEntry(at, "inbound-message", lead.RepId, $"{channel}: conversation {conversationId}");
        return lead.History.Contains(entry) ? null : lead.WithHistory(entry);
    }
}
