using System.Globalization;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.ServiceDefaults.Http;

namespace Crm.Messaging.Messages;

/// <summary>
/// A message the platform sent (or deliberately did not send) to a contact. <see cref="Status"/> is <c>sent</c>,
/// <c>picked-up</c> or <c>skipped</c>; <see cref="Channel"/> is lower-case (<c>email</c>).
/// </summary>
public sealed record Message
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public string? LeadId { get; init; }
    public required string Channel { get; init; }
    public required string Template { get; init; }
    /// <summary>The address written to; empty when skipped for want of one.</summary>
    public required string To { get; init; }
    public required string Subject { get; init; }
    public required string Status { get; init; }
    public required DateTimeOffset SentAt { get; init; }

    public MessageResponse ToResponse() => new()
    {
        Id = Id,
        ContactId = ContactId,
        LeadId = LeadId,
        Channel = Enum.Parse<Channel>(Channel, ignoreCase: true),
        Template = Template,
        To = To,
        Subject = Subject,
        Status = Status,
        SentAt = SentAt,
    };
}

/// <summary>A list query: filters, and the position after which the page starts (newest first).</summary>
public sealed record MessageQuery
{
    public string? ContactId { get; init; }
    public string? LeadId { get; init; }
    public MessageCursor? After { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>Position in the newest-first order (sentAt descending, then id descending); opaque base64url text in the API.</summary>
public sealed record MessageCursor(DateTimeOffset SentAt, string Id)
{
    public static MessageCursor From(Message message) => new(message.SentAt, message.Id);

    public string Encode() => Paging.Encode(SentAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "|" + Id);

    public static bool TryDecode(string? text, out MessageCursor? cursor)
    {
        cursor = null;
        if (!Paging.TryDecode(text, out var raw))
        {
            return false;
        }

        var parts = raw.Split('|');
        if (parts.Length != 2
            || parts[1].Length == 0
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        cursor = new MessageCursor(DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[1]);
        return true;
    }
}
