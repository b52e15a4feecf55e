using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Live;

/// <summary>
/// Queue <c>analytics-lead-captured-live</c>: adds the lead to the stored count of its UTC minute (of
/// <c>OccurredAt</c>). Its own queue, so every replica's consumer takes part of the events and all of them add to the
/// same documents; the inbox drops a redelivery, so a lead counts once.
/// </summary>
public sealed class CountLeadMinute(UnitOfWork unit) : IConsumer<LeadCaptured>
{
    public Task Consume(ConsumeContext<LeadCaptured> context)
    {
        // The same rule as the daily counters: an event without a time can never be counted (a dead letter).
        Counters.CounterRules.Day(context.Message.OccurredAt);
        unit.Add(LiveQueries.Increment(context.Message.OccurredAt));
        return Task.CompletedTask;
    }
}
