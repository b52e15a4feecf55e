using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Pressure;

/// <summary>
/// Config section <c>Pressure</c>: how much a contact may be sent, and when (<see cref="ContactPressure"/>). Defaults:
/// quiet hours 21:00–08:00 in the contact's zone (UTC when the contact has none), at most 3 messages a day and 10 a
/// week across all channels, WhatsApp's 24-hour window, transactional messages exempt from quiet hours.
/// </summary>
public sealed class PressurePolicy : ICheckedSettings
{
    public const string Section = "Pressure";

    /// <summary>The IANA zone of a contact without one, or with one this machine does not know (default <c>UTC</c>).</summary>
    public string DefaultTimeZone { get; set; } = "UTC";

    /// <summary>Local time quiet hours start (default 21:00). Equal to <see cref="QuietHoursEnd"/>: no quiet hours.</summary>
    public TimeOnly QuietHoursStart { get; set; } = new(21, 0);

    /// <summary>Local time quiet hours end (default 08:00; before the start: the quiet hours span midnight).</summary>
    public TimeOnly QuietHoursEnd { get; set; } = new(8, 0);

    /// <summary>At most this many messages to a contact in any 24 hours, across all channels (default 3; 0: no cap).</summary>
    public int DailyCap { get; set; } = 3;

    /// <summary>At most this many messages to a contact in any 7 days, across all channels (default 10; 0: no cap).</summary>
    public int WeeklyCap { get; set; } = 10;

    /// <summary>How long after the contact's last inbound WhatsApp message a free-form one may go (default 24 hours).</summary>
    public TimeSpan WhatsAppWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whether transactional messages wait out quiet hours too (default false: a receipt goes at once).</summary>
    public bool TransactionalRespectsQuietHours { get; set; }

    /// <summary>Whether there are quiet hours at all (start and end differ).</summary>
    internal bool HasQuietHours => QuietHoursStart != QuietHoursEnd;

    public IEnumerable<string> Errors()
    {
        if (PressureZones.Find(DefaultTimeZone) is null)
        {
            yield return $"{Section}:DefaultTimeZone must be an IANA time zone such as 'UTC' or 'America/Sao_Paulo', not '{DefaultTimeZone}'.";
        }

        if (DailyCap < 0)
        {
            yield return $"{Section}:DailyCap must be 0 (no cap) or more, not {DailyCap}.";
        }

        if (WeeklyCap < 0)
        {
            yield return $"{Section}:WeeklyCap must be 0 (no cap) or more, not {WeeklyCap}.";
        }

        if (DailyCap > 0 && WeeklyCap > 0 && WeeklyCap < DailyCap)
        {
            yield return $"{Section}:WeeklyCap ({WeeklyCap}) must not be less than {Section}:DailyCap ({DailyCap}).";
        }

        if (WhatsAppWindow <= TimeSpan.Zero)
        {
            yield return $"{Section}:WhatsAppWindow must be positive, not {WhatsAppWindow}.";
        }
    }
}
