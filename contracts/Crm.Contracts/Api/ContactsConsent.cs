using Crm.Contracts.Audit;

namespace Crm.Contracts.Api.Contacts;

// Consent (issue 11, point 4): POST and GET /api/contacts/{id}/consent. Values are lower-case strings, checked by the
// service so that a 400 names every bad field at once.

/// <summary>
/// Body of <c>POST /api/contacts/{id}/consent</c>: grants or withdrawals of one or several channels, and/or the global
/// do-not-contact flag, recorded together. At least one of <c>channels</c> and <c>doNotContact</c>.
/// </summary>
public sealed record ChangeConsentRequest
{
    /// <summary>One entry per channel (each channel at most once, at most 4).</summary>
    public IReadOnlyList<ChannelConsentChange>? Channels { get; init; }

    /// <summary>Sets (<c>active: true</c>) or clears (<c>active: false</c>) do-not-contact, which blocks every message on every channel.</summary>
    public DoNotContactChange? DoNotContact { get; init; }
}

/// <summary>A channel's consent given or withdrawn.</summary>
public sealed record ChannelConsentChange
{
    /// <summary><c>email</c>, <c>sms</c>, <c>whatsapp</c> or <c>phone</c>.</summary>
    public string? Channel { get; init; }

    /// <summary><c>granted</c> or <c>withdrawn</c>.</summary>
    public string? Status { get; init; }

    /// <summary>
    /// The legal basis (GDPR art. 6 (1)): <c>consent</c>, <c>contract</c>, <c>legal-obligation</c>, <c>vital-interests</c>,
    /// <c>public-task</c> or <c>legitimate-interest</c>. Required to grant; optional to withdraw.
    /// </summary>
    public string? LegalBasis { get; init; }

    /// <summary>Where the person stated it: <c>web-form</c>, <c>pos</c>, <c>api</c>, <c>import</c>, <c>phone</c>... (lower-case letters, digits and '-', at most 50).</summary>
    public string? Source { get; init; }

    /// <summary>The text shown to the person, at most 2000 characters. To grant on the basis <c>consent</c>, this or <c>wordingVersion</c> is required.</summary>
    public string? Wording { get; init; }

    /// <summary>The id of the text's version in the caller's system (e.g. <c>newsletter-2026-11</c>), at most 100 characters.</summary>
    public string? WordingVersion { get; init; }
}

/// <summary>Sets or clears the global do-not-contact flag.</summary>
public sealed record DoNotContactChange
{
    /// <summary><c>true</c> sets it (nothing is sent on any channel), <c>false</c> clears it.</summary>
    public bool? Active { get; init; }

    /// <summary>Why (at most 500 characters), e.g. "Asked on the phone not to be contacted again."</summary>
    public string? Reason { get; init; }

    /// <summary>Where the person asked (as a channel's <c>source</c>).</summary>
    public string? Source { get; init; }
}

/// <summary>A contact's consent: the current state per channel, do-not-contact, and the ledger of every change, newest first.</summary>
public sealed record ConsentResponse
{
    /// <summary>The contact's id.</summary>
    public required string ContactId { get; init; }

    /// <summary>The global flag (<c>active: false</c> with no time when it was never set).</summary>
    public required DoNotContactState DoNotContact { get; init; }

    /// <summary>One per channel with a record (email, sms, whatsapp, phone in that order); a channel not listed is unknown.</summary>
    public IReadOnlyList<ChannelConsentState> Channels { get; init; } = [];

    /// <summary>Incremented by every change (0: nothing recorded yet).</summary>
    public required long Version { get; init; }

    /// <summary>The ledger, newest first: one page (<c>limit</c>, <c>cursor</c> of the request); <c>nextCursor</c> names the next.</summary>
    public required Page<ConsentLedgerEntryResponse> Ledger { get; init; }
}

/// <summary>A channel's current consent.</summary>
public sealed record ChannelConsentState
{
    /// <summary>email, sms, whatsapp, phone.</summary>
    public required string Channel { get; init; }

    /// <summary>granted or withdrawn.</summary>
    public required string Status { get; init; }

    /// <summary>The legal basis stated with it (null for a withdrawal without one).</summary>
    public string? LegalBasis { get; init; }

    /// <summary>Where it was stated.</summary>
    public required string Source { get; init; }

    /// <summary>The text shown to the person.</summary>
    public string? Wording { get; init; }

    /// <summary>The text's version id.</summary>
    public string? WordingVersion { get; init; }

    /// <summary>When it was recorded (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who recorded it (the API key or person).</summary>
    public required Actor By { get; init; }
}

/// <summary>The global do-not-contact flag.</summary>
public sealed record DoNotContactState
{
    /// <summary>Set: no message on any channel.</summary>
    public required bool Active { get; init; }

    /// <summary>Why it was last set or cleared.</summary>
    public string? Reason { get; init; }

    /// <summary>Where it was last set or cleared.</summary>
    public string? Source { get; init; }

    /// <summary>When (UTC); null when never set.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>By whom; null when never set.</summary>
    public Actor? By { get; init; }
}

/// <summary>One change in a contact's consent ledger (kept forever, never changed).</summary>
public sealed record ConsentLedgerEntryResponse
{
    /// <summary>The entry's id (sortable).</summary>
    public required string Id { get; init; }

    /// <summary>The channel; null for a do-not-contact change.</summary>
    public string? Channel { get; init; }

    /// <summary>granted or withdrawn; null for a do-not-contact change.</summary>
    public string? Status { get; init; }

    /// <summary>For a do-not-contact change: set (true) or cleared (false); null for a channel's.</summary>
    public bool? DoNotContact { get; init; }

    /// <summary>The legal basis stated.</summary>
    public string? LegalBasis { get; init; }

    /// <summary>Where it was stated.</summary>
    public required string Source { get; init; }

    /// <summary>The text shown to the person.</summary>
    public string? Wording { get; init; }

    /// <summary>The text's version id.</summary>
    public string? WordingVersion { get; init; }

    /// <summary>Why do-not-contact was set or cleared.</summary>
    public string? Reason { get; init; }

    /// <summary>When (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>By whom.</summary>
    public required Actor By { get; init; }
}
