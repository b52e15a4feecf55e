namespace Crm.ServiceDefaults.Messaging;

/// <summary>
/// How a consumed message that fails is retried (config section <c>Messaging:Retry</c>): <see cref="Immediate"/>
/// retries at once, then it is parked in the service's store and sent back to its queue after a back-off
/// (<see cref="FirstDelay"/> doubling up to <see cref="MaxDelay"/>, ±20 %), until <see cref="Window"/> has passed since
/// its first failure; then it goes to <c>_error</c>.
/// </summary>
public sealed class MessageRetryOptions : ICheckedSettings
{
    public const string Section = "Messaging:Retry";

    /// <summary>Retries at once, in the same delivery, before the message is parked.</summary>
    public int Immediate { get; set; } = 3;

    /// <summary>The wait before the first redelivery.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two redeliveries.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long after its first failure a message is still redelivered (the last redelivery is at its end).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What is wrong with these settings (empty when nothing).</summary>
    public IEnumerable<string> Errors()
    {
        if (Immediate is < 0 or > 10)
        {
            yield return $"{Section}:Immediate must be between 0 and 10, not {Immediate}.";
        }

        if (FirstDelay <= TimeSpan.Zero)
        {
            yield return $"{Section}:FirstDelay must be positive, not {FirstDelay}.";
        }

        if (MaxDelay < FirstDelay)
        {
            yield return $"{Section}:MaxDelay ({MaxDelay}) must not be shorter than FirstDelay ({FirstDelay}).";
        }

        if (Window < FirstDelay)
        {
            yield return $"{Section}:Window ({Window}) must not be shorter than FirstDelay ({FirstDelay}).";
        }
    }

    /// <summary>
    /// The wait before redelivery number <paramref name="attempt"/> (1 for the first): <see cref="FirstDelay"/> doubled
    /// per attempt up to <see cref="MaxDelay"/>, times a jitter of ±20 % drawn from <paramref name="random"/> (in [0, 1)),
    /// so the messages of one outage do not all come back at once.
    /// </summary>
    public TimeSpan Backoff(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponential = FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(MaxDelay.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * random)));
    }
}
