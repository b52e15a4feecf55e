using Crm.Analytics.ReadModels;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Counters;

// One consumer (and queue) per event. Each only collects its counter increments in the unit of work (what it counts is
// its queue's entry of AnalyticsProjection, the table a rebuild replays too); the consume pipeline drops a message its
// queue applied before (inbox) and commits the increments with the inbox record, so a redelivered event counts once.

/// <summary>Queue <c>analytics-lead-captured</c>: counts the lead, its source and its channel.</summary>
public sealed class CountLeadCaptured(UnitOfWork unit) : IConsumer<LeadCaptured>
{
    public const string Queue = "lead-captured";

    public Task Consume(ConsumeContext<LeadCaptured> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>
/// Queue <c>analytics-lead-scored</c>: counts the grade a lead was first scored with (at capture); a lead scored again
/// (signals, decay, a new rule set: <c>PreviousScore</c> set) is not counted twice.
/// </summary>
public sealed class CountLeadScored(UnitOfWork unit) : IConsumer<LeadScored>
{
    public const string Queue = "lead-scored";

    public Task Consume(ConsumeContext<LeadScored> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-scores-changed</c>: a burst of rescores, each counted as <see cref="CountLeadScored"/> counts one (only a first score counts).</summary>
public sealed class CountLeadScoresChanged(UnitOfWork unit) : IConsumer<LeadScoresChanged>
{
    public const string Queue = "lead-scores-changed";

    public Task Consume(ConsumeContext<LeadScoresChanged> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-assigned</c>: counts the assignment.</summary>
public sealed class CountLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public const string Queue = "lead-assigned";

    public Task Consume(ConsumeContext<LeadAssigned> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-message-sent</c>: counts the message.</summary>
public sealed class CountMessageSent(UnitOfWork unit) : IConsumer<MessageSent>
{
    public const string Queue = "message-sent";

    public Task Consume(ConsumeContext<MessageSent> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-inbound-message-received</c>: counts a reply on its channel.</summary>
public sealed class CountInboundMessageReceived(UnitOfWork unit) : IConsumer<InboundMessageReceived>
{
    public const string Queue = "inbound-message-received";

    public Task Consume(ConsumeContext<InboundMessageReceived> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-conversation-resolved</c>: counts the resolution (and first-contact resolution) per channel and owner.</summary>
public sealed class CountConversationResolved(UnitOfWork unit) : IConsumer<ConversationResolved>
{
    public const string Queue = "conversation-resolved";

    public Task Consume(ConsumeContext<ConversationResolved> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-conversation-csat-recorded</c>: counts the CSAT score per channel and owner.</summary>
public sealed class CountConversationCsatRecorded(UnitOfWork unit) : IConsumer<ConversationCsatRecorded>
{
    public const string Queue = "conversation-csat-recorded";

    public Task Consume(ConsumeContext<ConversationCsatRecorded> context) => unit.ProjectAsync(Queue, context);
}

internal static class Counting
{
    /// <summary>Collects the increments and moves the counters' watermark for <paramref name="queue"/> to the event's time.</summary>
    public static void Count(this IReadModelStore store, CounterIncrement increment, string queue, DateTimeOffset occurredAt)
    {
        store.Count(increment);
        store.Advance(ReadModel.Counters, queue, occurredAt);
    }

    /// <summary>Collects one increment per counter of <paramref name="increment"/> (committed by the consume pipeline).</summary>
    public static void Count(this UnitOfWork unit, CounterIncrement increment) => new LiveReadModels(unit).Count(increment);
}
