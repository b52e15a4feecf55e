using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.ReadModels;

/// <summary>The read models Analytics keeps, by the name KPI answers give them.</summary>
public static class ReadModel
{
    public const string LeadFacts = "lead-facts";
    public const string Customers = "customers";
    public const string MessageFacts = "message-facts";
    public const string Counters = "counters";
}

/// <summary>
/// How far one queue has brought one read model (a document of <c>watermarks</c>, id <c>{readModel}|{queue}</c>): the
/// latest <c>OccurredAt</c> it applied, when it applied that event and the lag between the two. Only that queue writes
/// it (one message at a time), and only forward: an older event applied late leaves it as it is. A read model's
/// watermark is its queues' latest (<see cref="WatermarkRules.Of"/>).
/// </summary>
public sealed record Watermark : IDocument
{
    public required string Id { get; init; }
    public required string ReadModel { get; init; }
    public required string Queue { get; init; }
    public DateTimeOffset AppliedUpTo { get; init; }
    public DateTimeOffset AppliedAt { get; init; }
    public double LagSeconds { get; init; }
    public long Version { get; init; } = 1;

    public static string IdOf(string readModel, string queue) => $"{readModel}|{queue}";
}

public static class WatermarkCollections
{
    /// <summary>One document per read model and queue; the KPI answer reads a read model's few by <c>readModel</c>.</summary>
    public static readonly DocumentCollection<Watermark> Watermarks = new DocumentCollection<Watermark>("watermarks")
        .Index("read_model", i => i.Asc(x => x.ReadModel).Asc(x => x.Id));
}

/// <summary>Every read and write of watermarks (rendered by the catalog test).</summary>
public static class WatermarkQueries
{
    /// <summary>The watermarks of <paramref name="readModel"/> (one per queue feeding it).</summary>
    public static Query<Watermark> Of(string readModel) =>
        WatermarkCollections.Watermarks.Find(Filter<Watermark>.Eq(x => x.ReadModel, readModel)).OrderBy(x => x.ReadModel);

    /// <summary>Moves the queue's watermark to <paramref name="occurredAt"/> when that is later than where it stands (else nothing).</summary>
    public static WriteOperation Advance(string readModel, string queue, DateTimeOffset occurredAt, DateTimeOffset appliedAt) =>
        Write.Update(
            WatermarkCollections.Watermarks,
            Filter<Watermark>.Eq(x => x.Id, Watermark.IdOf(readModel, queue)) & Filter<Watermark>.Lt(x => x.AppliedUpTo, occurredAt),
            new Update<Watermark>()
                .Set(x => x.AppliedUpTo, occurredAt)
                .Set(x => x.AppliedAt, appliedAt)
                .Set(x => x.LagSeconds, WatermarkRules.Lag(occurredAt, appliedAt)),
            expectOne: false);
}

/// <summary>Watermark arithmetic (pure).</summary>
public static class WatermarkRules
{
    /// <summary>Seconds from the event to its application, rounded to milliseconds, never below 0 (clocks of two machines).</summary>
    public static double Lag(DateTimeOffset occurredAt, DateTimeOffset appliedAt) =>
        Math.Round(Math.Max(0, (appliedAt - occurredAt).TotalSeconds), 3);

    /// <summary>A read model's watermark: the latest of its queues' (none applied anything yet: nulls).</summary>
    public static Crm.Contracts.Api.Analytics.KpiWatermark Of(string readModel, IEnumerable<Watermark> queues)
    {
        var latest = queues.Where(w => w.AppliedUpTo > DateTimeOffset.MinValue).OrderByDescending(w => w.AppliedUpTo).FirstOrDefault();
        return new() { ReadModel = readModel, AppliedUpTo = latest?.AppliedUpTo, LagSeconds = latest?.LagSeconds };
    }
}

internal static class Watermarking
{
    /// <summary>Collects the watermark writes for an event of <paramref name="occurredAt"/> applied by <paramref name="queue"/> in this unit.</summary>
    public static void Advance(this UnitOfWork unit, string readModel, string queue, DateTimeOffset occurredAt) =>
        new LiveReadModels(unit).Advance(readModel, queue, occurredAt);
}
