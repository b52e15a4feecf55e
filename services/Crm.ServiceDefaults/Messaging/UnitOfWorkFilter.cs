using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// Every consumed message runs in a <see cref="UnitOfWork"/>: the filter waits until the store is initialised,
/// drops a message its queue applied before (inbox; acknowledged as consumed), runs the consumer, and commits its writes, its events and the
/// inbox record together. A concurrent delivery of the same message that committed first makes the commit fail on
/// the inbox: that delivery's effect stands and this one is acknowledged. Consumers never touch the inbox.
/// </summary>
public sealed class UnitOfWorkFilter<T>(UnitOfWork unit, StoreReadiness readiness, ILogger<UnitOfWorkFilter<T>> logger) : IFilter<ConsumeContext<T>>
    where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        await readiness.WaitAsync(context.CancellationToken);
        var key = InboxKey.For(context);
        if (await unit.GetAsync(PlatformCollections.Inbox, key.Id, context.CancellationToken) is not null)
        {
            logger.LogDebug("{Consumer} applied message {MessageId} before; it changes nothing", key.Consumer, key.MessageId);
            // Consumed, as far as the transport is concerned: without this MassTransit takes a message no consumer
            // ran for as one nobody consumes (it went to the _skipped queue; now it would be a dead letter).
            await context.NotifyConsumed(context, context.ReceiveContext.ElapsedTime, "inbox");
            return;
        }

        // A retry of this message may reuse the scope: start from nothing.
        unit.Discard();
        unit.Accept(key);
        await next.Send(context);
        if (unit.HasWrites)
        {
            // (A consumer that committed its work itself, e.g. with a batch of deliveries, reaches this point before that commit.)
            CrashPoints.Reached(CrashPoints.ConsumeBeforeCommit);
        }

        try
        {
            // Not cancelled with the delivery (the broker connection dropping cancels it): what the consumer did
            // (an e-mail handed over) is recorded even if the acknowledgement is lost, and the redelivery is dropped.
            await unit.CommitAsync(CancellationToken.None);
        }
        catch (DuplicateKeyException ex) when (ex.Collection == PlatformCollections.Inbox.Name)
        {
            logger.LogInformation("{Consumer} applied message {MessageId} in a concurrent delivery; this one changes nothing", key.Consumer, key.MessageId);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unitOfWork");
}
