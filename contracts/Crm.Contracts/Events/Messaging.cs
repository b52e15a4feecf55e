namespace Crm.Contracts.Messaging;

/// <summary>A message left the platform (handed to the SMTP server or the provider, or dropped in the pickup folder).</summary>
public sealed record MessageSent
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The message's id.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead concerned.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>The template it was rendered from (e.g. welcome).</summary>
    public required string Template { get; init; }
    /// <summary>The address it went to (e-mail address or E.164 number).</summary>
    public required string To { get; init; }
}

/// <summary>
/// The send API (<c>POST /api/messaging/messages</c>) queued a message: Messaging itself sends it (queue
/// <c>messaging-message-queued</c>), consent and address read at send time. Carries the caller's template variables,
/// which are never stored with the message.
/// </summary>
public sealed record MessageQueued
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The queued message's id.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact to write to.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead concerned.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>The template key.</summary>
    public required string Template { get; init; }
    /// <summary>The locale asked for (else the contact's).</summary>
    public string? Locale { get; init; }
    /// <summary>Template variables by group (lead, rep, order, contact) and field.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, System.Text.Json.JsonElement>>? Variables { get; init; }
}

/// <summary>A provider reported a message delivered to the person's device, or read (delivery status callbacks; never goes back from read to delivered).</summary>
public sealed record MessageDelivered
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When the platform learnt it (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The message's id.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead concerned.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary><c>delivered</c> or <c>read</c>.</summary>
    public required string Status { get; init; }
    /// <summary>When it was delivered or read (UTC), as far as the platform knows.</summary>
    public required DateTimeOffset At { get; init; }
}

/// <summary>A message that left could not be delivered (a provider's failure callback, an e-mail bounce).</summary>
public sealed record MessageFailed
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When the platform learnt it (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The message's id.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead concerned.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>Why: <c>undelivered</c>, <c>provider-failed</c> (with the provider's error code when given, e.g. <c>provider-failed:30003</c>), <c>bounce</c>, <c>soft-bounce</c>.</summary>
    public required string Reason { get; init; }
    /// <summary>When it failed (UTC), as far as the platform knows.</summary>
    public required DateTimeOffset At { get; init; }
}
