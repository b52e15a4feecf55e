namespace Crm.ServiceDefaults.Storage;

/// <summary>Opaque ids, sortable by creation time (UUID v7, 32 lower-case hex digits).</summary>
public static class Ids
{
    public static string New() => Guid.CreateVersion7().ToString("N");

    public static Guid NewGuid() => Guid.CreateVersion7();

    /// <summary>Now, truncated to milliseconds so every store round-trips it exactly.</summary>
    public static DateTimeOffset UtcNowMs(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
