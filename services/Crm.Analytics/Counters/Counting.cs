using Crm.Analytics.ReadModels;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Counters;

// What an event counts is its entries of AnalyticsProjection (applied live by ProjectEvent<T>, replayed by a rebuild):
// the increments are collected in the unit of work, which the consume pipeline commits with the inbox record.

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
