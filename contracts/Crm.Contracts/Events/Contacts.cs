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

/// <summary>
/// A contact changed: identity resolution learnt an e-mail, a phone or the name, or the profile was edited
/// (<c>PATCH /api/contacts/{id}</c>). It carries the whole profile after the change; <see cref="ChangedFields"/> names
/// what changed (empty from publishers before the profile existed).
/// </summary>
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
    /// <summary>The API field names that changed (<c>emails</c>, <c>locale</c>, <c>customFields</c>...).</summary>
    public IReadOnlyList<string> ChangedFields { get; init; } = [];
    /// <summary>Ids other systems give the person, as <c>kind:value</c> (<c>shop:C-123</c>).</summary>
    public IReadOnlyList<string> ExternalIds { get; init; } = [];
    /// <summary>BCP 47 language tag, when known.</summary>
    public string? Locale { get; init; }
    /// <summary>IANA time zone, when known.</summary>
    public string? TimeZone { get; init; }
    /// <summary>ISO 3166-1 alpha-2 country, when known.</summary>
    public string? Country { get; init; }
    /// <summary>Region, state or province, when known.</summary>
    public string? Region { get; init; }
    /// <summary>Date of birth, when known.</summary>
    public DateOnly? Birthday { get; init; }
    /// <summary>Postal address, when known (the country is <see cref="Country"/>).</summary>
    public Crm.Contracts.Api.Contacts.AddressDocument? Address { get; init; }
    /// <summary>Lifecycle stage, lower-case: subscriber, lead, opportunity, customer, churned.</summary>
    public string? LifecycleStage { get; init; }
    /// <summary>Tags, lower-case.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
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
    /// <summary>The merge's id (an un-merge names it; <see cref="ContactsUnmerged.MergeId"/>). Null only from publishers before merges could be undone.</summary>
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

/// <summary>A shop or point of sale reported an order for a contact.</summary>
public sealed record OrderPlaced
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When Contacts recorded it (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The order's id in Contacts.</summary>
    public required string OrderId { get; init; }
    /// <summary>The contact (person) who bought.</summary>
    public required string ContactId { get; init; }
    /// <summary>The order's number in the reporting system.</summary>
    public required string Reference { get; init; }
    /// <summary>Total paid, a decimal string with two decimals ("129.90").</summary>
    public required string Amount { get; init; }
    /// <summary>ISO 4217 currency of <see cref="Amount"/>.</summary>
    public required string Currency { get; init; }
    /// <summary>Where it was bought (web, pos …), when given.</summary>
    public string? Channel { get; init; }
    /// <summary>When it was placed (UTC).</summary>
    public required DateTimeOffset PlacedAt { get; init; }
    /// <summary>How many lines it has.</summary>
    public int Items { get; init; }
    /// <summary>The contact's orders after this one (every currency).</summary>
    public int OrdersSoFar { get; init; }
}

/// <summary>A contact's loyalty tier changed (an order, or recency ageing without one, or new loyalty rules applied to them).</summary>
public sealed record LoyaltyTierChanged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The tier before; null for none.</summary>
    public string? FromTier { get; init; }
    /// <summary>The tier now; null for none.</summary>
    public string? ToTier { get; init; }
    /// <summary>Recency score now (1–5).</summary>
    public int Recency { get; init; }
    /// <summary>Frequency score now (1–5).</summary>
    public int Frequency { get; init; }
    /// <summary>Monetary score now (1–5).</summary>
    public int Monetary { get; init; }
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

/// <summary>
/// A contact joined or left a segment (Contacts: the segment's rule started or stopped holding for them after a change
/// of their profile, consent, orders or loyalty, by time alone, by the segment's (re)definition, or by their erasure).
/// </summary>
public sealed record SegmentMembershipChanged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The segment.</summary>
    public required string SegmentId { get; init; }
    /// <summary>The segment's version whose rule decided.</summary>
    public required long SegmentVersion { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>True: the contact joined the segment; false: the contact left it.</summary>
    public required bool Joined { get; init; }
}

/// <summary>
/// A merge was undone (<c>POST /api/contacts/merges/{id}/undo</c>): every service moves back to <see cref="RestoredIds"/>
/// exactly the records it re-keyed for <see cref="MergeId"/> (what arrived for the survivor after the merge stays with
/// it). May arrive before the <see cref="ContactsMerged"/> it undoes: a consumer then remembers the merge as undone and
/// ignores the late <see cref="ContactsMerged"/>.
/// </summary>
public sealed record ContactsUnmerged
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The merge undone (<see cref="ContactsMerged.MergeId"/>).</summary>
    public required string MergeId { get; init; }
    /// <summary>The merge's survivor, which keeps its own records.</summary>
    public required string SurvivorId { get; init; }
    /// <summary>The contacts that exist again (the merge's <see cref="ContactsMerged.MergedIds"/>).</summary>
    public required IReadOnlyList<string> RestoredIds { get; init; }
}
