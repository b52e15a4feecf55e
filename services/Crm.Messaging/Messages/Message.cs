using Crm.Contracts.Api;
using Crm.Contracts.Api.Messaging;
using Crm.Contracts.Messaging;
using Crm.Messaging.Email;
using Crm.ServiceDefaults.Storage;

namespace Crm.Messaging.Messages;

/// <summary>
/// A message the platform sent (or deliberately did not send) to a contact: a document of <c>messages</c>.
/// <see cref="Status"/> is <c>sent</c>, <c>picked-up</c>, <c>skipped</c>, <c>suppressed</c> (consent) or <c>failed</c> (see <see cref="Reason"/>) once finished,
/// <c>queued</c> until a delivery claims it, <c>delayed</c> (contact pressure: until <see cref="DueAt"/>), and <c>sending</c> while a
/// delivery holds its claim (<see cref="ClaimToken"/> until <see cref="LeaseUntil"/>, see <see cref="SendOnce"/>);
/// <see cref="Channel"/> is lower-case (<c>email</c>).
/// </summary>
public sealed record Message : IDocument
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    /// <summary>The lead the message is about (many messages per lead and template are allowed; see <see cref="DedupeKey"/>).</summary>
    public string? LeadId { get; init; }
    /// <summary>
    /// Unique among messages when set (index <c>dedupe</c>, see <see cref="MessageKeys"/>): the welcome's <c>welcome:{leadId}</c>
    /// (one welcome per lead), a logged call's <c>call:{providerCallId}</c>; null: no limit.
    /// </summary>
    public string? DedupeKey { get; init; }
    public required string Channel { get; init; }
    public required string Template { get; init; }
    /// <summary>The address written to; empty when skipped for want of one (and while sending).</summary>
    public required string To { get; init; }
    public required string Subject { get; init; }
    public required string Status { get; init; }
    /// <summary>Why a <c>failed</c> message was not sent (<see cref="FailureReasons"/>), why a <c>suppressed</c> or <c>delayed</c> one waits or does not go (<see cref="Pressure.PressureReasons"/>); null otherwise.</summary>
    public string? Reason { get; init; }
    /// <summary>While <c>delayed</c> (contact pressure): when it is decided again (a durable timer queues it then); null otherwise.</summary>
    public DateTimeOffset? DueAt { get; init; }
    public required DateTimeOffset SentAt { get; init; }
    /// <summary>The provider's id of the message (SMS sid, WhatsApp message id); delivery status callbacks find the message by it.</summary>
    public string? ProviderMessageId { get; init; }
    /// <summary>The consent purpose it is sent for (<c>transactional</c>, <c>marketing</c>); the welcome is transactional (null in welcomes stored before it was set: transactional).</summary>
    public string? Purpose { get; init; }
    /// <summary>While <c>sending</c>: the delivery that holds the claim...</summary>
    public string? ClaimToken { get; init; }
    /// <summary>...and until when; a claim past its lease belongs to a delivery that died and may be taken over.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }
    /// <summary>The rep the lead was assigned to when the message was sent (reps see only their messages).</summary>
    public string? OwnerRepId { get; init; }
    /// <summary>That rep's team (team leads see their team's messages).</summary>
    public string? OwnerTeamId { get; init; }
    /// <summary>When the person's data (address, subject) was removed from it (GDPR erasure, <c>Contacts/ContactLifecycle</c>); null otherwise.</summary>
    public DateTimeOffset? ErasedAt { get; init; }
    /// <summary>The merge that moved it to <see cref="ContactId"/> from <see cref="MergedFromContactId"/> (an un-merge moves exactly those back).</summary>
    public string? MergeId { get; init; }
    public string? MergedFromContactId { get; init; }
    /// <summary>A logged phone call's details (channel <c>phone</c>, <c>Calls/CallEndpoints</c>); null for other messages.</summary>
    public CallRecord? Call { get; init; }
    /// <summary>A message to a rep, not to the contact (an SLA alert, <c>Alerts/</c>): the rep's id; the address comes from the rep directory. Null: to the contact.</summary>
    public string? RecipientRepId { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>
    /// The message without the person's data: the address and the subject (it names them) emptied, <see cref="ErasedAt"/>
    /// set (and a call's recording URL dropped). A claim still <c>sending</c> is finished as <c>suppressed</c> and its token dropped, so the delivery holding
    /// it can no longer complete it (its guarded completion fails; its retry finds the message handled). What stays is
    /// not about the person: ids, lead, channel, template, status, time, owner.
    /// </summary>
    public Message Erased(DateTimeOffset at) => this with
    {
        To = string.Empty,
        Subject = string.Empty,
        Status = Status is EmailStatus.Sending or EmailStatus.Delayed ? EmailStatus.Suppressed : Status,
        DueAt = null,
        ClaimToken = null,
        LeaseUntil = null,
        ErasedAt = at,
        Call = Call is null ? null : Call with { RecordingUrl = null },
        Version = Version + 1,
    };

    /// <summary>The <see cref="MessageSent"/> of this message once it left (<c>sent</c> or <c>picked-up</c>), for the completion's unit of work.</summary>
    public MessageSent SentEvent() => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = SentAt,
        MessageId = Id,
        ContactId = ContactId,
        LeadId = LeadId,
        Channel = Channel,
        Template = Template,
        To = To,
    };

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
        Reason = Reason,
        DueAt = DueAt,
        SentAt = SentAt,
        ProviderMessageId = ProviderMessageId,
        Call = Call is { } call
            ? new CallDetails { Direction = call.Direction, Outcome = call.Outcome, DurationSeconds = call.DurationSeconds, RepId = call.RepId, RecordingUrl = call.RecordingUrl, ProviderCallId = call.ProviderCallId }
            : null,
    };
}

/// <summary>What a logged call adds to its message (see <see cref="CallDetails"/>).</summary>
public sealed record CallRecord
{
    public required string Direction { get; init; }
    public required string Outcome { get; init; }
    public required int DurationSeconds { get; init; }
    public string? RepId { get; init; }
    public string? RecordingUrl { get; init; }
    public required string ProviderCallId { get; init; }
}

/// <summary>Why a message <c>failed</c>.</summary>
public static class FailureReasons
{
    /// <summary>The template could not be rendered: a variable without a value (never "Hello {{ name }}"), or no template for the channel.</summary>
    public const string Template = "template";

    /// <summary>The channel has no configuration (<c>Channels:Sms</c>, <c>Channels:WhatsApp</c>): never silently dropped.</summary>
    public const string NotConfigured = "not-configured";

    /// <summary>Outside WhatsApp's 24-hour window a free-text message may not be sent: only an approved provider template.</summary>
    public const string WhatsAppWindow = "whatsapp-window";

    /// <summary>The provider refused the message for good (a 4xx answer: a bad number, bad credentials...).</summary>
    public const string Rejected = "rejected";

    /// <summary>The contact has no address on the channel (no e-mail, no phone number).</summary>
    public const string NoAddress = "no-address";

    /// <summary>Contacts does not know the contact (the send API accepted it while Contacts could not be asked).</summary>
    public const string UnknownContact = "unknown-contact";

    /// <summary>The e-mail address hard-bounced before (<c>Channels/AddressSuppressions</c>); nothing is sent to it until cleared.</summary>
    public const string BouncedAddress = "bounced-address";
}
