using Crm.Assignment.Assignments;
using Crm.Assignment.Routing;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Conversations;

/// <summary>
/// Where a conversation without a lead owner went (document of <c>conversation_routes</c>, id = the conversation id):
/// asked again, Assignment answers the same rep. Ids only.
/// </summary>
public sealed record ConversationRoute : IDocument
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public required string RepId { get; init; }
    public string? TeamId { get; init; }
    public required DateTimeOffset RoutedAt { get; init; }
    public long Version { get; init; } = 1;
}

/// <summary>
/// The pure rule that picks a rep for a conversation: among the reps who take leads now (active, available, inside
/// their working hours), those with the skill <c>channel:{channel}</c> when any has it, then the least loaded (units
/// taken / capacity), ties by id (creation order). A conversation takes no capacity: it is not a lead.
/// </summary>
public static class ConversationRouter
{
    public static RoutingRep? Choose(IEnumerable<RoutingRep> reps, string channel, DateTimeOffset now)
    {
        var eligible = reps.Where(r => r.Active && r.Presence == Presence.Available && r.Calendar.IsWorking(now)).ToList();
        var skill = $"channel:{channel}";
        var skilled = eligible.Where(r => r.Skills.ContainsKey(skill)).ToList();
        return (skilled.Count > 0 ? skilled : eligible)
            .OrderBy(r => (double)r.Load / Math.Max(1, r.Capacity))
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}

/// <summary>
/// Queue <c>assignment-conversation-owner</c>: routes a conversation without an owner (<see cref="ConversationOwnerNeeded"/>)
/// with <see cref="ConversationRouter"/> and answers <see cref="ConversationRouted"/> through the outbox. Idempotent: a
/// conversation routed before gets the same rep again (<see cref="ConversationRoute"/>); nobody available: no answer.
/// </summary>
public sealed class RouteConversationOwner(UnitOfWork unit, ILogger<RouteConversationOwner> logger) : IConsumer<ConversationOwnerNeeded>
{
    public async Task Consume(ConsumeContext<ConversationOwnerNeeded> context)
    {
        var request = context.Message;
        if (string.IsNullOrWhiteSpace(request.ConversationId) || string.IsNullOrWhiteSpace(request.ContactId) || string.IsNullOrWhiteSpace(request.Channel))
        {
            throw new InvalidMessageException("ConversationOwnerNeeded needs a conversationId, a contactId and a channel.");
        }

        var route = await unit.GetAsync(AssignmentCollections.ConversationRoutes, request.ConversationId, context.CancellationToken);
        if (route is null)
        {
            var reps = await unit.FindAsync(AssignmentQueries.RepsInCreationOrder(), context.CancellationToken);
            if (ConversationRouter.Choose(reps.Select(r => r.ToRouting()), request.Channel, unit.Now) is not { } chosen)
            {
                logger.LogInformation("Conversation {ConversationId}: no rep available; it stays unassigned", request.ConversationId);
                return;
            }

            route = new ConversationRoute { Id = request.ConversationId, ContactId = request.ContactId, RepId = chosen.Id, TeamId = chosen.TeamId, RoutedAt = unit.Now };
            unit.Insert(AssignmentCollections.ConversationRoutes, route);
        }

        unit.Publish(new ConversationRouted
        {
            EventId = Ids.NewGuid(), OccurredAt = unit.Now, ConversationId = route.Id, ContactId = route.ContactId, RepId = route.RepId, TeamId = route.TeamId,
        });
    }
}
