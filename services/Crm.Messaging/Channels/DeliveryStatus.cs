namespace Crm.Messaging.Channels;

/// <summary>
/// How a provider's status report moves a message (pure): forward only — sent → delivered → read; a failure only
/// while nothing better was reported (a message reported delivered or read stays so). The same status again, or an
/// older one arriving late, changes nothing (callbacks are retried and unordered).
/// </summary>
public static class DeliveryStatus
{
    public const string Delivered = "delivered";
    public const string Read = "read";
    public const string Failed = "failed";

    /// <summary>The message's new status, or null when the report changes nothing.</summary>
    public static string? Apply(string current, string reported)
    {
        var now = Rank(current);
        if (now < 0)
        {
            return null; // not sent (queued, sending, suppressed, skipped, failed before sending): nothing to report on
        }

        return reported switch
        {
            Failed => now == 1 ? Failed : null,
            Delivered or Read => Rank(reported) > now ? reported : null,
            _ => null,
        };
    }

    private static int Rank(string status) => status switch
    {
        Email.EmailStatus.Sent or Email.EmailStatus.PickedUp => 1,
        Delivered => 2,
        Read => 3,
        _ => -1,
    };
}
