using System.Diagnostics.Metrics;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// The storage layer's metrics (meter <c>Crm.Storage</c>, exported on <c>/metrics</c>): outbox backlog, published,
/// failed and dead records; timers due, fired, late and dead; writes per SQLite transaction.
/// </summary>
public sealed class StorageMetrics : IDisposable
{
    public const string MeterName = "Crm.Storage";

    /// <summary>The meter of what is measured where no service provider is at hand (the SQLite store).</summary>
    private static readonly Meter StoreMeter = new(MeterName);

    /// <summary>How many writes one SQLite transaction committed (the store's group commit).</summary>
    public static readonly Histogram<int> CommitGroup = StoreMeter.CreateHistogram<int>(
        "crm.storage.commit_group",
        "{write}",
        "Writes committed together in one SQLite transaction (group commit).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    private readonly Meter _meter;
    private long _outboxPending;
    private long _outboxDead;
    private long _timersDue;
    private long _timersDead;

    public StorageMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        OutboxPublished = _meter.CreateCounter<long>("crm.outbox.published", "{event}", "Events published from the outbox.");
        OutboxFailures = _meter.CreateCounter<long>("crm.outbox.failures", "{attempt}", "Failed attempts to publish an outbox record.");
        TimersFired = _meter.CreateCounter<long>("crm.timers.fired", "{timer}", "Timers whose handler committed.");
        TimerFailures = _meter.CreateCounter<long>("crm.timers.failures", "{attempt}", "Failed attempts to run a timer's handler.");
        TimerLateness = _meter.CreateHistogram<double>("crm.timers.lateness", "s", "How long after its due time a timer fired.");
        _meter.CreateObservableGauge("crm.outbox.pending", () => Interlocked.Read(ref _outboxPending), "{event}", "Outbox records not yet published (last count).");
        _meter.CreateObservableGauge("crm.outbox.dead", () => Interlocked.Read(ref _outboxDead), "{event}", "Outbox records set aside after too many failures (last count).");
        _meter.CreateObservableGauge("crm.timers.due", () => Interlocked.Read(ref _timersDue), "{timer}", "Timers due and not yet fired (last count).");
        _meter.CreateObservableGauge("crm.timers.dead", () => Interlocked.Read(ref _timersDead), "{timer}", "Timers set aside after too many failures (last count).");
    }

    public Counter<long> OutboxPublished { get; }

    public Counter<long> OutboxFailures { get; }

    public Counter<long> TimersFired { get; }

    public Counter<long> TimerFailures { get; }

    public Histogram<double> TimerLateness { get; }

    public void ReportOutbox(long pending, long dead)
    {
        Interlocked.Exchange(ref _outboxPending, pending);
        Interlocked.Exchange(ref _outboxDead, dead);
    }

    public void ReportTimers(long due, long dead)
    {
        Interlocked.Exchange(ref _timersDue, due);
        Interlocked.Exchange(ref _timersDead, dead);
    }

    public void Dispose() => _meter.Dispose();
}
