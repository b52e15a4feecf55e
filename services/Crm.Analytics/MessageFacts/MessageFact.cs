using Crm.Analytics.ReadModels;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.MessageFacts;

/// <summary>
/// One message that left the platform (a document of <c>message_facts</c>, id = the message's id): its channel, when it
/// was sent, and whether it was delivered or failed. Merged from <c>MessageSent</c>, <c>MessageDelivered</c> and
/// <c>MessageFailed</c> in any order (earliest times win); no address, no text, no contact.
/// </summary>
public sealed record MessageFact : IDocument
{
    public required string Id { get; init; }
    public string? Channel { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? FailedAt { get; init; }
    public long Version { get; init; } = 1;
}

public static class MessageFactCollections
{
    /// <summary>Per-message facts; the messages KPI reads the messages sent in a period (index <c>sent_at</c>).</summary>
    public static readonly DocumentCollection<MessageFact> MessageFacts = new DocumentCollection<MessageFact>("message_facts")
        .Index("sent_at", i => i.Asc(x => x.SentAt).Asc(x => x.Id));
}

/// <summary>Every read of message facts (rendered by the catalog test).</summary>
public static class MessageFactQueries
{
    /// <summary>The messages sent from <paramref name="from"/> (included) to <paramref name="until"/> (excluded).</summary>
    public static Query<MessageFact> SentBetween(DateTimeOffset from, DateTimeOffset until) =>
        MessageFactCollections.MessageFacts.Find(Filter<MessageFact>.Gte(x => x.SentAt, from) & Filter<MessageFact>.Lt(x => x.SentAt, until))
            .OrderBy(x => x.SentAt);
}

/// <summary>How each event changes a message's facts (pure, commutative and idempotent).</summary>
public static class MessageFactRules
{
    public static MessageFact Apply(MessageFact fact, MessageSent e) =>
        fact with { Channel = Channel(e.Channel, fact), SentAt = Earliest(fact.SentAt, e.OccurredAt) };

    /// <summary><c>delivered</c> or <c>read</c>: both mean the message reached the person.</summary>
    public static MessageFact Apply(MessageFact fact, MessageDelivered e) =>
        fact with { Channel = fact.Channel ?? Channel(e.Channel, fact), DeliveredAt = Earliest(fact.DeliveredAt, e.At == default ? e.OccurredAt : e.At) };

    public static MessageFact Apply(MessageFact fact, MessageFailed e) =>
        fact with { Channel = fact.Channel ?? Channel(e.Channel, fact), FailedAt = Earliest(fact.FailedAt, e.At == default ? e.OccurredAt : e.At) };

    private static string? Channel(string? channel, MessageFact fact) =>
        string.IsNullOrWhiteSpace(channel) ? fact.Channel : Counters.CounterRules.Key(channel.ToLowerInvariant());

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;
}

internal static class MessageFactWriting
{
    public static async Task ApplyMessageFactAsync(this IReadModelStore unit, string queue, string messageId, DateTimeOffset occurredAt, Func<MessageFact, MessageFact> apply, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(messageId) || occurredAt == default)
        {
            throw new InvalidMessageException("A message event needs a messageId and an OccurredAt.");
        }

        var current = await unit.GetAsync(MessageFactCollections.MessageFacts, messageId, cancellationToken);
        var next = apply(current ?? new MessageFact { Id = messageId, Version = 0 });
        unit.Save(MessageFactCollections.MessageFacts, next with { Version = (current?.Version ?? 0) + 1 }, current);
        unit.Advance(ReadModel.MessageFacts, queue, occurredAt);
    }
}
