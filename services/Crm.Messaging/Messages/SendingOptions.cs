using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Messages;

/// <summary>
/// Config section <c>Sending</c>: how long one send may take (looking the contact up and handing the e-mail over),
/// and how long its claim lasts (<see cref="SendOnce"/>): a claim older than that belongs to a delivery that died, and
/// a later delivery takes the message over. The lease must outlast the timeout, or a slow send could be taken over
/// while it still runs.
/// </summary>
public sealed class SendingOptions : ICheckedSettings
{
    public const string Section = "Sending";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(45);

    public IEnumerable<string> Errors()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:Timeout must be positive, not {Timeout}.";
        }

        if (ClaimLease <= Timeout)
        {
            yield return $"{Section}:ClaimLease ({ClaimLease}) must be longer than {Section}:Timeout ({Timeout}).";
        }
    }
}
