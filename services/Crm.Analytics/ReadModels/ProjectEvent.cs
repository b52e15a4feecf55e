using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.ReadModels;

/// <summary>
/// Queue <c>analytics-{event}</c> (<see cref="AnalyticsProjection.QueueOf"/>): applies every read model the event moves
/// (its entries of <see cref="AnalyticsProjection"/>), committed with the inbox record and the log entry, so a
/// redelivered event changes nothing: with the other deliveries of the queue waiting at the same time, in one
/// transaction (<see cref="ProjectionBatcher"/>; the consume pipeline's commit then has nothing left to do). An entry
/// that finds the event invalid is logged and changes nothing; when all of them do, the event is a dead letter.
/// </summary>
public sealed class ProjectEvent<T>(UnitOfWork unit, ProjectionBatcher batcher, ILogger<ProjectEvent<T>> logger) : IConsumer<T>
    where T : class
{
    private readonly string _queue = AnalyticsProjection.QueueOf(typeof(T));

    public async Task Consume(ConsumeContext<T> context)
    {
        var outcome = await batcher.ProjectAsync(new ProjectionDelivery(_queue, typeof(T), context.Message, unit));
        foreach (var invalid in outcome.InvalidOrThrow())
        {
            logger.LogWarning("{Event} {MessageId} left one read model unchanged: {Reason}", typeof(T).Name, context.MessageId, invalid.Message);
        }
    }
}
