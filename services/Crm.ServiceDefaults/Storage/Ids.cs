using System.Globalization;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// Opaque ids, sortable by creation time (UUID v7, 32 lower-case hex digits) and strictly increasing within a
/// process: documents and cursor pages sort by them, and the outbox dispatcher reads its oldest records first. That is
/// no delivery order: the outbox publishes at least once and unordered (concurrent confirms, per-record back-off,
/// republished after a crash; see <see cref="OutboxDispatcher"/>), so consumers never rely on the order of events.
/// </summary>
public static class Ids
{
    private static readonly Lock Gate = new();
    private static UInt128 _last;

    public static string New() => NewGuid().ToString("N");

    public static Guid NewGuid()
    {
        var candidate = UInt128.Parse(Guid.CreateVersion7().ToString("N"), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        lock (Gate)
        {
            // Guid.CreateVersion7 is random below the millisecond: step past the previous id when it would not sort after it.
            _last = candidate > _last ? candidate : _last + 1;
            return Guid.ParseExact(_last.ToString("x32", CultureInfo.InvariantCulture), "N");
        }
    }

    /// <summary>Now, truncated to milliseconds so every store round-trips it exactly.</summary>
    public static DateTimeOffset UtcNowMs(this TimeProvider time) => time.GetUtcNow().TruncateToMs();

    /// <summary>The time in UTC, truncated to milliseconds: the precision both stores keep.</summary>
    public static DateTimeOffset TruncateToMs(this DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
