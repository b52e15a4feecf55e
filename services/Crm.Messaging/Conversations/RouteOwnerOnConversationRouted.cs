using Crm.Contracts.Assignment;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Messaging.Conversations;

/// <summary>
/// Queue <c>messaging-conversation-routed</c>: Assignment's answer to <c>ConversationOwnerNeeded</c> — the rep (and team)
/// a conversation without a lead owner goes to — set as its owner while it has none (<see cref="ConversationRules.Routed"/>:
/// an owner set meanwhile by a team lead stays). Guarded by the version read; a conflict retries.
/// </summary>
public sealed class RouteOwnerOnConversationRouted(UnitOfWork unit, ILogger<RouteOwnerOnConversationRouted> logger) : IConsumer<ConversationRouted>
{
    public async Task Consume(ConsumeContext<ConversationRouted> context)
    {
        var routed = context.Message;
        if (string.IsNullOrWhiteSpace(routed.ConversationId) || string.IsNullOrWhiteSpace(routed.RepId))
        {
            throw new InvalidMessageException("ConversationRouted needs a conversationId and a repId.");
        }

        var conversation = await unit.GetAsync(ConversationCollections.Conversations, routed.ConversationId, context.CancellationToken);
        if (conversation is null || ConversationRules.Routed(conversation, routed.RepId, routed.TeamId) is not { } owned)
        {
            logger.LogInformation("Conversation {ConversationId} unknown or owned already; routing to {RepId} not applied", routed.ConversationId, routed.RepId);
            return;
        }

        unit.Replace(ConversationCollections.Conversations, owned with { Version = conversation.Version + 1 }, conversation.Version);
    }
}
