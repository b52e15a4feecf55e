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

/// <summary>
/// A contact wrote to us: an inbound SMS, WhatsApp message or e-mail from a provider webhook, after Messaging resolved
/// the contact. Leads scores it as a reply, Assignment counts it against the owner's activity, journeys stop on it.
/// </summary>
public sealed record InboundMessageReceived
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When the platform received it (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The inbound message's id in Messaging.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact (person) who wrote.</summary>
    public required string ContactId { get; init; }
    /// <summary>The contact's open lead, when Messaging knows one (the lead of its latest assignment).</summary>
    public string? LeadId { get; init; }
    /// <summary>The conversation (thread per contact and channel) it joined.</summary>
    public required string ConversationId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>The conversation's owner (a rep id) when it has one.</summary>
    public string? OwnerRepId { get; init; }
    /// <summary>Whether this message is a reply to something we sent on this channel (an outbound message came before it).</summary>
    public required bool IsReply { get; init; }
}

/// <summary>A conversation was resolved: its times, whether it was resolved on first contact, and who resolved it.</summary>
public sealed record ConversationResolved
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it was resolved (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The conversation's id.</summary>
    public required string ConversationId { get; init; }
    /// <summary>The contact concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The contact's lead, when known.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>The owner (a rep id) when it had one.</summary>
    public string? OwnerRepId { get; init; }
    /// <summary>When the contact's first message of this conversation arrived (UTC).</summary>
    public required DateTimeOffset OpenedAt { get; init; }
    /// <summary>Time from the first inbound message to the first reply from us, in seconds (null: never answered).</summary>
    public double? FirstResponseSeconds { get; init; }
    /// <summary>Time from the first inbound message to this resolution, in seconds.</summary>
    public required double ResolutionSeconds { get; init; }
    /// <summary>Resolved on first contact: one reply from us and never reopened.</summary>
    public required bool FirstContactResolution { get; init; }
    /// <summary>Who resolved it.</summary>
    public Crm.Contracts.Audit.Actor? ResolvedBy { get; init; }
}

/// <summary>
/// A contact's CSAT score (1-5) for a resolved conversation was recorded: their reply to the <c>csat-survey</c> message
/// (<c>survey-reply</c>) or a web survey (<c>web</c>, <c>POST /api/messaging/conversations/{id}/csat</c>). Once per recorded
/// score: a resolution asks once and takes the first answer. Ids only (no text of the answer).
/// </summary>
public sealed record ConversationCsatRecorded
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When the score was recorded (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The conversation's id.</summary>
    public required string ConversationId { get; init; }
    /// <summary>The contact who answered.</summary>
    public required string ContactId { get; init; }
    /// <summary>The contact's lead, when known.</summary>
    public string? LeadId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp.</summary>
    public required string Channel { get; init; }
    /// <summary>The owner (a rep id) when it had one.</summary>
    public string? OwnerRepId { get; init; }
    /// <summary>The owner's team, when known.</summary>
    public string? OwnerTeamId { get; init; }
    /// <summary>The score: 1 (poor) to 5 (excellent).</summary>
    public required int Score { get; init; }
    /// <summary>How it was given: <c>survey-reply</c> (the contact's reply to the survey message) or <c>web</c>.</summary>
    public required string Source { get; init; }
    /// <summary>When the conversation was resolved (the resolution the survey asked about), UTC.</summary>
    public required DateTimeOffset ResolvedAt { get; init; }
}

/// <summary>
/// A phone call was logged from the telephony system (<c>POST /api/messaging/calls</c>; a message on channel
/// <c>phone</c>). Not a <see cref="MessageSent"/>: an inbound or unanswered call is no message that left. Leads logs it
/// as the lead's <c>call</c> activity.
/// </summary>
public sealed record CallLogged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it was logged (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The call's message id in Messaging.</summary>
    public required string MessageId { get; init; }
    /// <summary>The contact called or calling.</summary>
    public required string ContactId { get; init; }
    /// <summary>The lead concerned, if any.</summary>
    public string? LeadId { get; init; }
    /// <summary><c>inbound</c> or <c>outbound</c>.</summary>
    public required string Direction { get; init; }
    /// <summary><c>answered</c>, <c>no-answer</c>, <c>busy</c>, <c>voicemail</c> or <c>failed</c>.</summary>
    public required string Outcome { get; init; }
    /// <summary>When the call started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>Its length in seconds.</summary>
    public required int DurationSeconds { get; init; }
    /// <summary>The rep on the call, if known.</summary>
    public string? RepId { get; init; }
    /// <summary>The telephony system's id of the call.</summary>
    public required string ProviderCallId { get; init; }
}

/// <summary>
/// A conversation has no owner (its contact has no lead owner): Messaging asks Assignment to route it to a rep
/// (queue <c>assignment-conversation-owner</c>); the answer is <see cref="Crm.Contracts.Assignment.ConversationRouted"/>.
/// Asked again while the conversation stays unassigned; Assignment answers one conversation with the same rep.
/// </summary>
public sealed record ConversationOwnerNeeded
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The conversation without an owner.</summary>
    public required string ConversationId { get; init; }
    /// <summary>Its contact.</summary>
    public required string ContactId { get; init; }
    /// <summary>Lower-case channel: email, sms, whatsapp (reps with the skill <c>channel:{channel}</c> are preferred).</summary>
    public required string Channel { get; init; }
}
