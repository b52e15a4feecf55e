using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Analytics.Counters;

// One consumer (and queue) per event; each adds its counters and its inbox entry in one transaction, so a
// redelivered event counts once.

public sealed class LeadCapturedConsumer(IAnalyticsStore store) : IConsumer<LeadCaptured>
{
    public Task Consume(ConsumeContext<LeadCaptured> context)
    {
        var inbox = InboxKey.For<LeadCapturedConsumer>(context);
        return store.IncrementAsync(inbox, CounterRules.For(context.Message), context.CancellationToken);
    }
}

public sealed class LeadScoredConsumer(IAnalyticsStore store) : IConsumer<LeadScored>
{
    public Task Consume(ConsumeContext<LeadScored> context)
    {
        var inbox = InboxKey.For<LeadScoredConsumer>(context);
        return store.IncrementAsync(inbox, CounterRules.For(context.Message), context.CancellationToken);
    }
}

public sealed class LeadAssignedConsumer(IAnalyticsStore store) : IConsumer<LeadAssigned>
{
    public Task Consume(ConsumeContext<LeadAssigned> context)
    {
        var inbox = InboxKey.For<LeadAssignedConsumer>(context);
        return store.IncrementAsync(inbox, CounterRules.For(context.Message), context.CancellationToken);
    }
}

public sealed class MessageSentConsumer(IAnalyticsStore store) : IConsumer<MessageSent>
{
    public Task Consume(ConsumeContext<MessageSent> context)
    {
        var inbox = InboxKey.For<MessageSentConsumer>(context);
        return store.IncrementAsync(inbox, CounterRules.For(context.Message), context.CancellationToken);
    }
}
