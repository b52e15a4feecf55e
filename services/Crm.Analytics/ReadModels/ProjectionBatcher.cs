using System.Runtime.ExceptionServices;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.ReadModels;

/// <summary>One delivery of an event queue handed to <see cref="ProjectionBatcher"/>: its unit of work (inbox record and log entry collected), its event.</summary>
public sealed record ProjectionDelivery(string Queue, Type EventType, object Message, UnitOfWork Unit);

/// <summary>
/// What became of a delivery handed to <see cref="ProjectionBatcher"/>: applied and committed (its unit is empty then),
/// with the entries that found the event invalid; or failed, with the exception its delivery throws (and is retried for,
/// or is a dead letter for when the event is invalid).
/// </summary>
public sealed record ProjectionOutcome(IReadOnlyList<InvalidMessageException> Invalid, ExceptionDispatchInfo? Failure = null)
{
    public static ProjectionOutcome Failed(Exception exception) => new([], ExceptionDispatchInfo.Capture(exception));

    /// <summary>The entries that found the event invalid; throws the failure, if any.</summary>
    public IReadOnlyList<InvalidMessageException> InvalidOrThrow()
    {
        Failure?.Throw();
        return Invalid;
    }
}

/// <summary>
/// The event queues' deliveries (<see cref="ProjectEvent{T}"/>), applied in batches: one lane per queue, whose worker
/// takes every delivery waiting (at most <see cref="AnalyticsService.ProjectionConcurrency"/>, the deliveries a queue
/// hands at once) and applies their events one after the other through one <see cref="LiveReadModels"/> (a document two
/// of them touch is read as the earlier one left it), then commits the read models' writes with every delivery's inbox
/// record and log entry in <b>one transaction</b> (<see cref="UnitOfWork.CommitTogetherAsync"/>): one commit per batch
/// instead of one per event, and still one at a time per queue (its hot counters and watermarks never conflict).
/// A commit that meets a concurrent change (another queue wrote a lead's facts) is tried again on fresh reads; a batch
/// that still fails, or in which an event throws (or a message came twice), commits nothing: its deliveries are then
/// applied one after the other, each in its own unit of work exactly as without batching, so a poison message fails
/// only its own delivery.
/// </summary>
public sealed class ProjectionBatcher : BackgroundService
{
    /// <summary>Attempts of a batch whose commit meets a concurrent change before its deliveries run alone.</summary>
    public const int Attempts = 3;

    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ProjectionBatcher> _logger;
    private readonly Dictionary<string, int> _laneOfQueue;
    private readonly Batcher<ProjectionDelivery, ProjectionOutcome> _batcher;

    public ProjectionBatcher(IDocumentStore store, TimeProvider time, ILogger<ProjectionBatcher> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _laneOfQueue = AnalyticsProjection.ProjectedEventTypes.Select((type, lane) => (AnalyticsProjection.QueueOf(type), lane)).ToDictionary(p => p.Item1, p => p.lane, StringComparer.Ordinal);
        _batcher = new(_laneOfQueue.Count, AnalyticsService.ProjectionConcurrency, ApplyAsync, logger);
    }

    /// <summary>Applies <paramref name="delivery"/> and commits it with the next batch of its queue.</summary>
    public Task<ProjectionOutcome> ProjectAsync(ProjectionDelivery delivery) =>
        _batcher.SubmitAsync(delivery, _laneOfQueue[delivery.Queue]);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _batcher.RunAsync(stoppingToken);

    private async Task<IReadOnlyList<ProjectionOutcome>> ApplyAsync(IReadOnlyList<ProjectionDelivery> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var writes = new List<WriteOperation>();
                var models = new LiveReadModels(_store, _time.UtcNowMs(), writes.Add);
                var outcomes = new List<ProjectionOutcome>(batch.Count);
                foreach (var delivery in batch)
                {
                    outcomes.Add(new(await AnalyticsProjection.ProjectAsync(models, delivery.Queue, delivery.EventType, delivery.Message, cancellationToken)));
                }

                CrashPoints.Reached(CrashPoints.ConsumeBeforeCommit);
                await UnitOfWork.CommitTogetherAsync(_store, [.. batch.Select(d => d.Unit)], writes, cancellationToken);
                return outcomes;
            }
            catch (Exception ex) when (attempt < Attempts && IsConcurrentChange(ex))
            {
                // Another queue changed a document this batch read: read again.
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (batch.Count > 1)
                {
                    _logger.LogInformation("A batch of {Count} {Queue} events was not applied together ({Reason}); each is applied alone", batch.Count, batch[0].Queue, ex.Message);
                }

                return await ApplyEachAloneAsync(batch, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Each delivery in its own unit of work, one after the other (still one commit at a time for the queue): one that
    /// fails gets its own exception (its delivery is retried, or is a dead letter when the event is invalid), the others apply.
    /// </summary>
    private static async Task<IReadOnlyList<ProjectionOutcome>> ApplyEachAloneAsync(IReadOnlyList<ProjectionDelivery> batch, CancellationToken cancellationToken)
    {
        var outcomes = new List<ProjectionOutcome>(batch.Count);
        foreach (var delivery in batch)
        {
            try
            {
                var invalid = await AnalyticsProjection.ProjectAsync(new LiveReadModels(delivery.Unit), delivery.Queue, delivery.EventType, delivery.Message, cancellationToken);
                CrashPoints.Reached(CrashPoints.ConsumeBeforeCommit);
                await delivery.Unit.CommitAsync(cancellationToken);
                outcomes.Add(new(invalid));
            }
            catch (DuplicateKeyException ex) when (ex.Collection == PlatformCollections.Inbox.Name)
            {
                // Another delivery of the same message (in this batch or before it) applied it: this one changes nothing.
                outcomes.Add(new([]));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                outcomes.Add(ProjectionOutcome.Failed(ex));
            }
        }

        return outcomes;
    }

    /// <summary>A version guard or a unique read model id lost to another writer; a duplicate inbox record (a message applied before) is not.</summary>
    private static bool IsConcurrentChange(Exception ex) =>
        ex is ConcurrencyException || (ex is DuplicateKeyException duplicate && duplicate.Collection != PlatformCollections.Inbox.Name);
}
