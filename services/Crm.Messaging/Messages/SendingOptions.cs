using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Messages;

/// <summary>
/// Config section <c>Sending</c>: how long one send may take (looking the contact up and handing the e-mail over),
/// and how long its claim lasts (<see cref="SendOnce"/>): a claim older than that belongs to a delivery that died, and
/// a later delivery takes the message over. The lease must outlast the timeout, or a slow send could be taken over
/// while it still runs. Queued messages are sent in batches (<see cref="BatchSize"/>, <see cref="ConcurrentBatches"/>,
/// <see cref="Parallelism"/>; see <c>Channels/SendBatch.cs</c>); a batch's whole send takes at most <see cref="Timeout"/>.
/// </summary>
public sealed class SendingOptions : ICheckedSettings
{
    public const string Section = "Sending";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The most queued messages sent together (one claim, one Contacts look-up, one fence call, one budget commit).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Batches sent at once in this process.</summary>
    public int ConcurrentBatches { get; set; } = 4;

    /// <summary>Provider calls of one batch in flight at once.</summary>
    public int Parallelism { get; set; } = 32;

    public IEnumerable<string> Errors()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:Timeout must be positive, not {Timeout}.";
        }

        if (BatchSize is < 1 or > 1000)
        {
            yield return $"{Section}:BatchSize must be 1 to 1000, not {BatchSize}.";
        }

        if (ConcurrentBatches is < 1 or > 64)
        {
            yield return $"{Section}:ConcurrentBatches must be 1 to 64, not {ConcurrentBatches}.";
        }

        if (Parallelism is < 1 or > 1000)
        {
            yield return $"{Section}:Parallelism must be 1 to 1000, not {Parallelism}.";
        }

        if (ClaimLease <= Timeout)
        {
            yield return $"{Section}:ClaimLease ({ClaimLease}) must be longer than {Section}:Timeout ({Timeout}).";
        }
    }
}
