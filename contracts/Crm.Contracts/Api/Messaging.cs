namespace Crm.Contracts.Api.Messaging;

/// <summary>A message the platform sent to a contact.</summary>
public sealed record MessageResponse
{
    /// <summary>The message's id.</summary>
    public required string Id { get; init; }

    /// <summary>The contact it was sent to.</summary>
    public required string ContactId { get; init; }

    /// <summary>The lead it is about, if any.</summary>
    public string? LeadId { get; init; }

    /// <summary>The channel it went out on.</summary>
    public required Channel Channel { get; init; }

    /// <summary>The template it was rendered from (e.g. welcome).</summary>
    public required string Template { get; init; }

    /// <summary>The address it was sent to (e-mail address or E.164 number).</summary>
    public required string To { get; init; }

    /// <summary>The subject line (e-mail).</summary>
    public required string Subject { get; init; }

    /// <summary>sent (handed to the SMTP server), picked-up (written to the local pickup folder), skipped (the contact has no address), suppressed (the contact's consent forbids it: do-not-contact, or the channel withdrawn; see reason) or failed (not sent: see reason); before that queued, or delayed (contact pressure: waits until dueAt, then is decided again).</summary>
    public required string Status { get; init; }

    /// <summary>Why a failed message was not sent (template, not-configured, whatsapp-window, rejected, no-address), why a suppressed one must not go (do-not-contact, channel-withdrawn, no-marketing-consent) or why a delayed one waits (quiet-hours, daily-cap, weekly-cap).</summary>
    public string? Reason { get; init; }

    /// <summary>While delayed: when it is decided again (UTC); null otherwise.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>When it left the platform (UTC).</summary>
    public required DateTimeOffset SentAt { get; init; }

    /// <summary>The SMS / WhatsApp provider's id of the message (its delivery status callbacks name it); null for e-mail and unsent messages.</summary>
    public string? ProviderMessageId { get; init; }
}

/// <summary>
/// <c>POST /api/messaging/messages</c>: send the template <see cref="Template"/> on <see cref="Channel"/> to a contact.
/// Answered 202 with the message <c>queued</c>; it is sent (or suppressed, skipped, failed with a reason) at once by
/// the service, consent checked at send time.
/// </summary>
public sealed record SendMessageRequest
{
    /// <summary>The contact to write to (their address is read from Contacts at send time).</summary>
    public string? ContactId { get; init; }

    /// <summary><c>email</c>, <c>sms</c> or <c>whatsapp</c>.</summary>
    public string? Channel { get; init; }

    /// <summary>The template key (e.g. <c>follow-up-1</c>), rendered in the contact's locale (or <see cref="Locale"/>).</summary>
    public string? Template { get; init; }

    /// <summary>The lead the message is about, if any.</summary>
    public string? LeadId { get; init; }

    /// <summary>BCP 47 locale overriding the contact's (e.g. <c>pt-BR</c>).</summary>
    public string? Locale { get; init; }

    /// <summary><c>transactional</c> or <c>marketing</c> (consent: marketing needs the channel granted); default: the template's purpose.</summary>
    public string? Purpose { get; init; }

    /// <summary>Template variables by group (<c>lead</c>, <c>rep</c>, <c>order</c>, <c>contact</c>) and field: a text, a number, true/false.</summary>
    public Dictionary<string, Dictionary<string, System.Text.Json.JsonElement>>? Variables { get; init; }
}
