using Crm.Contacts.Consent;

namespace Crm.Messaging.Pressure;

/// <summary>Everything <see cref="ContactPressure.Decide"/> needs about one message, read by the caller at send time.</summary>
internal sealed record PressureRequest
{
    /// <summary>The channel (<see cref="ConsentChannels"/>: <c>email</c>, <c>sms</c>, <c>whatsapp</c>, <c>phone</c>).</summary>
    public required string Channel { get; init; }

    /// <summary>Transactional (a receipt, an answer to the person's request) or marketing.</summary>
    public required SendPurpose Purpose { get; init; }

    /// <summary>The contact's global do-not-contact, as Contacts answers now.</summary>
    public bool DoNotContact { get; init; }

    /// <summary>The contact's consent for <see cref="Channel"/>: <c>granted</c>, <c>withdrawn</c>, or null (unknown).</summary>
    public string? ChannelConsent { get; init; }

    /// <summary>The contact's IANA time zone; null, unknown or malformed: <see cref="PressurePolicy.DefaultTimeZone"/>.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Now (from the caller's <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset Now { get; init; }

    public required PressurePolicy Policy { get; init; }

    /// <summary>What the contact was already sent (<see cref="PressureCounts"/>).</summary>
    public PressureCounts Sent { get; init; } = PressureCounts.None;

    /// <summary>When the contact last wrote to us on WhatsApp (null: never), which opens the WhatsApp window.</summary>
    public DateTimeOffset? LastInboundWhatsApp { get; init; }

    /// <summary>Whether the message is a provider-approved WhatsApp template (may go outside the window).</summary>
    public bool ApprovedTemplate { get; init; }
}
