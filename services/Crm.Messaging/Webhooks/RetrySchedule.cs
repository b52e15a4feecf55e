namespace Crm.Messaging.Webhooks;

/// <summary>
/// When to try a failed delivery again, pure: <see cref="WebhookOptions.FirstRetryDelay"/> after the first attempt,
/// doubling after each further one, capped at <see cref="WebhookOptions.MaxRetryDelay"/>, each delay varied by
/// ±<see cref="WebhookOptions.Jitter"/>; none once the next attempt would fall later than
/// <see cref="WebhookOptions.RetryWindow"/> after the first (the delivery is then failed). With the defaults: about
/// 5 s, 10 s, 20 s ... 1 h, 1 h ... for 24 h (around 35 attempts).
/// </summary>
public static class RetrySchedule
{
    /// <summary>
    /// The next attempt after <paramref name="attempts"/> scheduled attempts failed (1 = the first one), or null to give up.
    /// <paramref name="random"/> in [0, 1) picks the jitter (0.5: none).
    /// </summary>
    public static DateTimeOffset? Next(int attempts, DateTimeOffset firstAttemptAt, DateTimeOffset now, WebhookOptions options, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var exponent = Math.Min(attempts - 1, 30);
        var delay = Math.Min(options.FirstRetryDelay.TotalSeconds * Math.Pow(2, exponent), options.MaxRetryDelay.TotalSeconds);
        delay *= 1 + (options.Jitter * ((2 * random) - 1));
        var next = now + TimeSpan.FromSeconds(Math.Max(delay, 0.001));
        return next > firstAttemptAt + options.RetryWindow ? null : next;
    }
}
