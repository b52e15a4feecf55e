using System.Globalization;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Live;

/// <summary>
/// Leads captured in one UTC minute (a document of <c>lead_minutes</c>): its id is the minute, <c>yyyy-MM-ddTHH:mm</c>,
/// so ids sort as time and the live rate reads a window as one id range. Only atomic increments change it (an upsert by
/// id), so every replica's consumer adds to the same document and the stored count is the platform's, not one process'.
/// </summary>
public sealed record LeadMinute : IDocument
{
    public const string Format = "yyyy-MM-dd'T'HH:mm";

    public required string Id { get; init; }
    public int Count { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>The id of the UTC minute <paramref name="at"/> falls in.</summary>
    public static string IdOf(DateTimeOffset at) => at.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>The start of the UTC minute <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }

    /// <summary>The minute before its first lead: what an increment inserts (with the increment applied) when it is new.</summary>
    public static LeadMinute Seed(DateTimeOffset at) => new() { Id = IdOf(at), Count = 0 };
}

/// <summary>The live rate's collection; reads are id ranges (the primary key serves them, no other index).</summary>
public static class LiveCollections
{
    public static readonly DocumentCollection<LeadMinute> LeadMinutes = new("lead_minutes");
}

/// <summary>Every read and write of <c>lead_minutes</c> (rendered by the catalog test).</summary>
public static class LiveQueries
{
    /// <summary>The minutes <paramref name="from"/> to <paramref name="to"/> (both included) that had leads, oldest first.</summary>
    public static Query<LeadMinute> Minutes(DateTimeOffset from, DateTimeOffset to) =>
        LiveCollections.LeadMinutes.Find(
                Filter<LeadMinute>.Gte(x => x.Id, LeadMinute.IdOf(from))
                & Filter<LeadMinute>.Lte(x => x.Id, LeadMinute.IdOf(to)))
            .OrderBy(x => x.Id);

    /// <summary>Adds one to the minute of <paramref name="at"/>, creating it at 1 on first use (one atomic upsert by id).</summary>
    public static WriteOperation Increment(DateTimeOffset at) =>
        Write.Upsert(LiveCollections.LeadMinutes, LeadMinute.Seed(at), new Update<LeadMinute>().Inc(x => x.Count, 1));
}
