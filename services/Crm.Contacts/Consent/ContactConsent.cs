using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Consent;

/// <summary>
/// A contact's consent as it stands (a document of <c>consents</c>, id = the contact's id): one state per channel that
/// has a record (a channel not listed is unknown) and the global do-not-contact flag. Every change that made it is in
/// <c>consent_ledger</c>. Kept beside the contact rather than in it, so consent changes never race the contact's own
/// version-guarded identity changes. Replaced whole on every change, guarded by <see cref="Version"/>.
/// </summary>
public sealed record ContactConsent : IDocument
{
    /// <summary>The contact's id.</summary>
    public required string Id { get; init; }
    /// <summary>One per channel with a record, in the order of <c>ConsentChannels.All</c>.</summary>
    public IReadOnlyList<ChannelConsent> Channels { get; init; } = [];
    /// <summary>The global flag; null until it was first set.</summary>
    public DoNotContact? DoNotContact { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    /// <summary>1 at the first change, +1 on every change.</summary>
    public long Version { get; init; } = 1;

    /// <summary>Whether do-not-contact is set.</summary>
    public bool IsDoNotContact => DoNotContact?.Active == true;

    /// <summary>The channel's status (granted, withdrawn) or null when unknown.</summary>
    public string? StatusOf(string channel) => Channels.FirstOrDefault(c => c.Channel == channel)?.Status;

    /// <summary>Nothing recorded for a contact yet.</summary>
    public static ContactConsent Empty(string contactId) => new() { Id = contactId, Version = 0 };
}

/// <summary>The current consent of one channel: what was stated, on which legal basis, where, in which words, when and by whom.</summary>
public sealed record ChannelConsent
{
    /// <summary>email, sms, whatsapp, phone.</summary>
    public required string Channel { get; init; }
    /// <summary>granted or withdrawn.</summary>
    public required string Status { get; init; }
    /// <summary>consent, contract, legitimate-interest, legal-obligation (required when granted).</summary>
    public string? LegalBasis { get; init; }
    /// <summary>Where it was stated: web-form, pos, api, import, phone, email, sms, whatsapp...</summary>
    public required string Source { get; init; }
    /// <summary>The text the person agreed to or withdrew from, as shown to them.</summary>
    public string? Wording { get; init; }
    /// <summary>The id of that text's version (e.g. <c>newsletter-2026-11</c>).</summary>
    public string? WordingVersion { get; init; }
    /// <summary>When it was recorded (UTC milliseconds).</summary>
    public required DateTimeOffset At { get; init; }
    /// <summary>Who recorded it: the API key or the person calling.</summary>
    public required Actor By { get; init; }
}

/// <summary>The global do-not-contact flag: set, it blocks every message on every channel.</summary>
public sealed record DoNotContact
{
    public required bool Active { get; init; }
    public string? Reason { get; init; }
    public required string Source { get; init; }
    public required DateTimeOffset At { get; init; }
    public required Actor By { get; init; }
}

/// <summary>
/// One change of a contact's consent (a document of <c>consent_ledger</c>), never changed or deleted: a channel's
/// grant or withdrawal (<see cref="Channel"/> and <see cref="Status"/>), or do-not-contact set or cleared
/// (<see cref="Channel"/> null, <see cref="DoNotContact"/> true or false).
/// </summary>
public sealed record ConsentLedgerEntry : IDocument
{
    /// <summary>Sortable id (creation order).</summary>
    public required string Id { get; init; }
    public long Version { get; init; } = 1;
    public required string ContactId { get; init; }
    /// <summary>email, sms, whatsapp, phone; null for a do-not-contact change.</summary>
    public string? Channel { get; init; }
    /// <summary>granted or withdrawn for a channel; null for a do-not-contact change.</summary>
    public string? Status { get; init; }
    /// <summary>For a do-not-contact change: set (true) or cleared (false); null for a channel.</summary>
    public bool? DoNotContact { get; init; }
    public string? LegalBasis { get; init; }
    public required string Source { get; init; }
    public string? Wording { get; init; }
    public string? WordingVersion { get; init; }
    /// <summary>Why do-not-contact was set or cleared.</summary>
    public string? Reason { get; init; }
    public required DateTimeOffset At { get; init; }
    public required Actor By { get; init; }
    /// <summary>The <c>ConsentChanged</c> event published with it.</summary>
    public required Guid EventId { get; init; }

    /// <summary>The merge that re-keyed it from <see cref="MergedFromContactId"/> to its contact (an un-merge moves exactly those back); absent otherwise.</summary>
    public string? MergeId { get; init; }
    /// <summary>The contact it belonged to before <see cref="MergeId"/> moved it to the survivor.</summary>
    public string? MergedFromContactId { get; init; }
}

/// <summary>The consent collections.</summary>
public static class ConsentCollections
{
    /// <summary>The current state, read by id (the contact's id) only.</summary>
    public static readonly DocumentCollection<ContactConsent> Consents = new("consents");

    /// <summary>
    /// Every change, append-only. <c>contact_at</c> serves <see cref="ConsentQueries.LedgerNewestFirst"/>: equality on the
    /// contact, then the index order is the query's order (at, id descending), so a page is read without a sort.
    /// </summary>
    public static readonly DocumentCollection<ConsentLedgerEntry> Ledger = new DocumentCollection<ConsentLedgerEntry>("consent_ledger")
        .Index("contact_at", i => i.Asc(x => x.ContactId).Desc(x => x.At).Desc(x => x.Id));
}

/// <summary>The consent queries, in one place so their cost is reviewable (rendered in <c>queries.approved.md</c>).</summary>
public static class ConsentQueries
{
    /// <summary>A contact's ledger, newest first (ties by id, descending); index <c>contact_at</c>. Paged by the caller.</summary>
    public static Query<ConsentLedgerEntry> LedgerNewestFirst(string contactId) =>
        ConsentCollections.Ledger.Find(Filter<ConsentLedgerEntry>.Eq(x => x.ContactId, contactId))
            .OrderByDescending(x => x.At)
            .ThenByDescending(x => x.Id);
}
