using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.ReadModels;

/// <summary>
/// Queue <c>analytics-{event}</c> (<see cref="AnalyticsProjection.QueueOf"/>): applies every read model the event moves
/// (its entries of <see cref="AnalyticsProjection"/>) in the one unit of work the consume pipeline commits with the inbox
/// record and the log entry, so a redelivered event changes nothing. An entry that finds the event invalid is logged
/// and changes nothing; when all of them do, the event is a dead letter.
/// </summary>
public sealed class ProjectEvent<T>(UnitOfWork unit, ILogger<ProjectEvent<T>> logger) : IConsumer<T>
    where T : class
{
    private readonly string _queue = AnalyticsProjection.QueueOf(typeof(T));

    public async Task Consume(ConsumeContext<T> context)
    {
        foreach (var invalid in await unit.ProjectAsync(_queue, context))
        {
            logger.LogWarning("{Event} {MessageId} left one read model unchanged: {Reason}", typeof(T).Name, context.MessageId, invalid.Message);
        }
    }
}
