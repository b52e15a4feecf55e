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

    /// <summary>A phone call logged from the telephony system (<c>channel</c> <c>phone</c>, <c>template</c> <c>call</c>, <c>status</c> <c>logged</c>, <c>sentAt</c> its start): its details; null for other messages.</summary>
    public CallDetails? Call { get; init; }
}

/// <summary>A logged phone call's details.</summary>
public sealed record CallDetails
{
    /// <summary><c>inbound</c> (the contact called) or <c>outbound</c> (a rep called).</summary>
    public required string Direction { get; init; }

    /// <summary><c>answered</c>, <c>no-answer</c>, <c>busy</c>, <c>voicemail</c> or <c>failed</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>How long it lasted, in seconds (0 when not answered).</summary>
    public required int DurationSeconds { get; init; }

    /// <summary>The rep on the call, if known.</summary>
    public string? RepId { get; init; }

    /// <summary>Where the telephony system keeps the recording, if any.</summary>
    public string? RecordingUrl { get; init; }

    /// <summary>The telephony system's id of the call (logged once per id).</summary>
    public required string ProviderCallId { get; init; }
}

/// <summary>
/// <c>POST /api/messaging/calls</c>: a phone call the telephony system logs (answered or not), stored as a message on
/// channel <c>phone</c> so it appears in the contact's and the lead's message list; publishes <c>CallLogged</c>.
/// </summary>
public sealed record LogCallRequest
{
    /// <summary>The contact called or calling; or give <see cref="Phone"/> instead.</summary>
    public string? ContactId { get; init; }

    /// <summary>The contact's number (any format; found or created in Contacts) when <see cref="ContactId"/> is not given; else the number dialled.</summary>
    public string? Phone { get; init; }

    /// <summary>The lead the call is about, if any (Leads logs it as the lead's <c>call</c> activity).</summary>
    public string? LeadId { get; init; }

    /// <summary><c>inbound</c> or <c>outbound</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>When the call started (UTC; not in the future).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>How long it lasted, in seconds (0 to 86400).</summary>
    public int? DurationSeconds { get; init; }

    /// <summary><c>answered</c>, <c>no-answer</c>, <c>busy</c>, <c>voicemail</c> or <c>failed</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>The rep on the call (default: the calling person when a rep).</summary>
    public string? RepId { get; init; }

    /// <summary>An https URL of the recording, if any.</summary>
    public string? RecordingUrl { get; init; }

    /// <summary>The telephony system's id of the call: a second request with it logs nothing again.</summary>
    public string? ProviderCallId { get; init; }
}

/// <summary>Body of <c>POST /api/messaging/messages/batch</c>: up to 1,000 messages, each as <c>POST /api/messaging/messages</c> takes it.</summary>
public sealed record SendMessageBatchRequest
{
    /// <summary>The messages (1 to 1,000).</summary>
    public IReadOnlyList<SendMessageRequest>? Items { get; init; }
}

/// <summary>Answer of <c>POST /api/messaging/messages/batch</c>: one result per item, in order.</summary>
public sealed record SendMessageBatchResponse
{
    /// <summary>One per item: 202 queued (with the message id), 400 with its field errors, 422 for a contact Contacts does not know.</summary>
    public required IReadOnlyList<SendMessageBatchResult> Results { get; init; }
}

/// <summary>What became of one item of a send batch.</summary>
public sealed record SendMessageBatchResult
{
    /// <summary>The item's position in <c>items</c> (0-based).</summary>
    public required int Index { get; init; }

    /// <summary>202, 400 or 422, as <c>POST /api/messaging/messages</c> would have answered.</summary>
    public required int Status { get; init; }

    /// <summary>The queued message's id (a 202); null otherwise.</summary>
    public string? Id { get; init; }

    /// <summary>Field errors of a 400 or 422 (field names as in the item).</summary>
    public IDictionary<string, string[]>? Errors { get; init; }
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
