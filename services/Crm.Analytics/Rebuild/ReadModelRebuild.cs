using System.Diagnostics;
using Crm.Analytics.Counters;
using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.Live;
using Crm.Analytics.MessageFacts;
using Crm.Analytics.ReadModels;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Rebuild;

/// <summary>How far a rebuild is.</summary>
public sealed record RebuildProgress(long Events, long Skipped, long Invalid, long Batches, long Writes, TimeSpan Elapsed, IReadOnlyDictionary<string, int> Sizes)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : 0;

    public override string ToString() =>
        $"{Events:N0} events replayed ({EventsPerSecond:N0}/s), {Batches:N0} batches, {Writes:N0} documents written"
        + (Skipped > 0 ? $", {Skipped:N0} entries of types no read model reads" : string.Empty)
        + (Invalid > 0 ? $", {Invalid:N0} applications refused as invalid" : string.Empty);
}

/// <summary>
/// Rebuilds the read models from scratch: empties them (counters, lead facts, customers, message facts, lead minutes,
/// watermarks — not the spend entered, not the merge log, not the event log) and replays <c>event_log</c> in arrival
/// order through <see cref="AnalyticsProjection"/>, the table the live consumers apply, in batches: a batch of entries
/// is read in one query, applied in memory (<see cref="BatchReadModels"/>) and what it changed written in one commit.
/// Run it with the service stopped (<c>dotnet Crm.Analytics.dll rebuild</c>, <c>./crm analytics-rebuild</c>): live
/// consumers writing meanwhile would be overwritten.
/// </summary>
public sealed class ReadModelRebuild(IDocumentStore store)
{
    public const int DefaultBatchSize = 2000;

    /// <summary>What a rebuild reads and writes (created if missing).</summary>
    public static readonly IReadOnlyList<IDocumentCollection> Collections =
    [
        CounterCollections.Counters, LeadFactCollections.LeadFacts, CustomerCollections.Customers, MessageFactCollections.MessageFacts,
        LiveCollections.LeadMinutes, LeadCohortCollections.Cohorts, WatermarkCollections.Watermarks, EventLogCollections.Log, ContactMergeLog.Collection,
    ];

    /// <summary>Empties the read models the log rebuilds.</summary>
    public Task EmptyAsync(CancellationToken cancellationToken) =>
        store.CommitAsync(
            [
                Write.Delete(CounterCollections.Counters, Filter<Counter>.All),
                Write.Delete(LeadFactCollections.LeadFacts, Filter<LeadFact>.All),
                Write.Delete(CustomerCollections.Customers, Filter<Customer>.All),
                Write.Delete(MessageFactCollections.MessageFacts, Filter<MessageFact>.All),
                Write.Delete(LiveCollections.LeadMinutes, Filter<LeadMinute>.All),
                Write.Delete(LeadCohortCollections.Cohorts, Filter<LeadCohort>.All),
                Write.Delete(WatermarkCollections.Watermarks, Filter<Watermark>.All),
            ],
            cancellationToken);

    /// <summary>Empties the read models and replays the whole log; <paramref name="progress"/> after each batch.</summary>
    public async Task<RebuildProgress> RunAsync(int batchSize = DefaultBatchSize, Action<RebuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await store.InitializeAsync(Collections, cancellationToken);
        await EmptyAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var models = new BatchReadModels(store);
        long events = 0, skipped = 0, invalid = 0, batches = 0, writes = 0;
        string? after = null;
        while (true)
        {
            var entries = await store.FindAsync(EventLogQueries.After(after).Take(batchSize), cancellationToken);
            if (entries.Count == 0)
            {
                break;
            }

            foreach (var entry in entries)
            {
                if (EventLogEntries.Read(entry) is not { } message)
                {
                    skipped++;
                    continue;
                }

                models.AppliedAt = entry.ReceivedAt;
                invalid += (await AnalyticsProjection.ReplayAsync(models, message, cancellationToken)).Invalid;
                events++;
            }

            writes += await models.FlushAsync(cancellationToken);
            batches++;
            after = entries[^1].Sequence;
            progress?.Invoke(new(events, skipped, invalid, batches, writes, clock.Elapsed, models.Sizes));
        }

        return new(events, skipped, invalid, batches, writes, clock.Elapsed, models.Sizes);
    }
}
