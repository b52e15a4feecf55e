namespace Crm.Contracts.Contacts;

/// <summary>A new person became known to the platform (identity resolution created a contact).</summary>
public sealed record ContactCreated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }
    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Phones in E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
}

/// <summary>A contact's identity data changed (a new e-mail or phone was learnt, the name was completed).</summary>
public sealed record ContactUpdated
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The contact's version after the change.</summary>
    public required long Version { get; init; }
    /// <summary>The person's name, when known.</summary>
    public string? Name { get; init; }
    /// <summary>E-mail addresses, lower-case.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];
    /// <summary>Phones in E.164.</summary>
    public IReadOnlyList<string> Phones { get; init; } = [];
}

/// <summary>
/// Contacts found that several records are one person and merged them into <see cref="SurvivorId"/>: every service
/// re-keys what it holds for <see cref="MergedIds"/> to the survivor (and keeps where it came from, for an un-merge).
/// </summary>
public sealed record ContactsMerged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact that remains.</summary>
    public required string SurvivorId { get; init; }
    /// <summary>The contacts merged into it (they no longer exist as such).</summary>
    public required IReadOnlyList<string> MergedIds { get; init; }
    /// <summary>The merge's id (an un-merge names it).</summary>
    public string? MergeId { get; init; }
}

/// <summary>A person asked to be forgotten (GDPR art. 17): every service erases or anonymises what it holds about the contact and confirms with <see cref="ContactDataErased"/>.</summary>
public sealed record ContactErasureRequested
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact to forget.</summary>
    public required string ContactId { get; init; }
    /// <summary>The erasure request's id (the confirmations name it).</summary>
    public required string RequestId { get; init; }
}

/// <summary>A service erased or anonymised what it held about a contact (its answer to <see cref="ContactErasureRequested"/>).</summary>
public sealed record ContactDataErased
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact forgotten.</summary>
    public required string ContactId { get; init; }
    /// <summary>The erasure request's id.</summary>
    public required string RequestId { get; init; }
    /// <summary>The service confirming: contacts, leads, assignment, messaging or analytics.</summary>
    public required string Service { get; init; }
    /// <summary>How many of its records it erased or anonymised.</summary>
    public int Records { get; init; }
}

/// <summary>
/// A contact's consent changed (Contacts, <c>POST /api/contacts/{id}/consent</c>): one event per change recorded in the
/// ledger — a channel granted or withdrawn (<see cref="Channel"/>, <see cref="Status"/>), or do-not-contact set or
/// cleared (<see cref="Channel"/> null). <see cref="DoNotContact"/> is the flag after the change either way.
/// </summary>
public sealed record ConsentChanged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>email, sms, whatsapp or phone; null when the change is the do-not-contact flag.</summary>
    public string? Channel { get; init; }
    /// <summary>granted or withdrawn; null when the change is the do-not-contact flag.</summary>
    public string? Status { get; init; }
    /// <summary>The legal basis stated (consent, contract, legal-obligation, vital-interests, public-task, legitimate-interest), if any.</summary>
    public string? LegalBasis { get; init; }
    /// <summary>Where it was stated (web-form, pos, api, import...).</summary>
    public string? Source { get; init; }
    /// <summary>The version id of the wording agreed to, if given.</summary>
    public string? WordingVersion { get; init; }
    /// <summary>The contact's do-not-contact flag after this change.</summary>
    public bool DoNotContact { get; init; }
    /// <summary>The consent document's version after this change (orders changes of one contact).</summary>
    public long Version { get; init; }
    /// <summary>Who recorded it (the API key or person).</summary>
    public Crm.Contracts.Audit.Actor? By { get; init; }
}
