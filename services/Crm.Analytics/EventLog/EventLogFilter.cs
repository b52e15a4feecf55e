using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.EventLog;

/// <summary>
/// Appends every event an Analytics queue applies to <c>event_log</c>, once per message id (an insert that leaves an
/// existing entry alone: the same event on a second queue, or redelivered, adds nothing), in the consumer's unit of
/// work: the entry is committed with the consumer's effect and its inbox record, or not at all. Runs inside the
/// platform's unit-of-work filter (after its inbox check, so a message applied before is not even read here) on every
/// Analytics endpoint, so a consumer added later is logged without a line of its own.
/// </summary>
public sealed class EventLogFilter<T>(UnitOfWork unit) : IFilter<ConsumeContext<T>>
    where T : class
{
    public Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (context.MessageId is { } messageId)
        {
            unit.InsertIfAbsent(EventLogCollections.Log, EventLogEntries.Create(context.Message, messageId, Ids.New(), unit.Now));
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("eventLog");
}
