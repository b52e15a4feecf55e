using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Channels;

/// <summary>
/// A contact's last inbound message per channel (document <c>contact_channels</c>, id = contact id, read by id only):
/// WhatsApp's 24-hour window starts at the last inbound WhatsApp message. Written by conversations (inbound messages)
/// once they exist; until then only tests and operators write it.
/// </summary>
public sealed record ContactChannel : IDocument
{
    /// <summary>The contact id.</summary>
    public required string Id { get; init; }
    /// <summary>Channel (<c>whatsapp</c>, <c>sms</c>, <c>email</c>) to the time of the contact's last inbound message on it.</summary>
    public Dictionary<string, DateTimeOffset> LastInboundAt { get; init; } = new(StringComparer.Ordinal);
    public long Version { get; init; } = 1;
}

public static class ContactChannelCollections
{
    public static readonly DocumentCollection<ContactChannel> ContactChannels = new("contact_channels");
}

/// <summary>WhatsApp's customer-service window (pure): free text only within 24 hours of the contact's last inbound message; outside it, only an approved template.</summary>
public static class WhatsAppWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);

    /// <summary>True when a free-text message may go now.</summary>
    public static bool IsOpen(DateTimeOffset? lastInboundAt, DateTimeOffset now) =>
        lastInboundAt is { } last && now - last < Length && last <= now + TimeSpan.FromMinutes(5);
}
