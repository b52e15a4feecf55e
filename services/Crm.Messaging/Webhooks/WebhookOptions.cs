using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Webhooks;

/// <summary>
/// Config section <c>Webhooks</c>: which destinations are allowed besides public https ones, the time one attempt may
/// take, and the retry schedule (exponential back-off with jitter, given up after <see cref="RetryWindow"/>).
/// </summary>
public sealed class WebhookOptions : ICheckedSettings
{
    public const string Section = "Webhooks";

    /// <summary>Host names, IP addresses or CIDR ranges a subscription may reach although they are loopback, private, link-local... (e.g. <c>127.0.0.1</c>, <c>10.1.0.0/16</c>, <c>hooks.internal</c>).</summary>
    public List<string> AllowedDestinations { get; set; } = [];

    /// <summary>true: <c>http://</c> URLs are accepted too (local development only).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>One attempt (connect, send, answer).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before the second attempt; it doubles for each further one.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each delay is varied by up to this fraction either way (0.2: ±20 %), so failed receivers are not hit in bursts.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>No attempt is scheduled later than this after the first one; the delivery is then failed.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>true (default): a 410 Gone answer deactivates the subscription (the receiver says the endpoint is gone for good).</summary>
    public bool DeactivateOnGone { get; set; } = true;

    public IEnumerable<string> Errors()
    {
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromSeconds(50))
        {
            yield return $"{Section}:Timeout must be positive and at most 50 s (under the timer lease), not {Timeout}.";
        }

        if (FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay)
        {
            yield return $"{Section}:FirstRetryDelay must be positive and at most {Section}:MaxRetryDelay.";
        }

        if (Jitter is < 0 or >= 1)
        {
            yield return $"{Section}:Jitter must be in [0, 1), not {Jitter}.";
        }

        if (RetryWindow <= TimeSpan.Zero)
        {
            yield return $"{Section}:RetryWindow must be positive, not {RetryWindow}.";
        }

        foreach (var entry in AllowedDestinations)
        {
            if (!DestinationGuard.TryParseAllowed(entry, out _))
            {
                yield return $"{Section}:AllowedDestinations: '{entry}' is not a host name, an IP address or a CIDR range.";
            }
        }
    }
}
