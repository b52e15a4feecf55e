namespace Crm.Contracts.Api.Contacts;

/// <summary>
/// <c>POST /api/contacts/merges</c>: merge <see cref="MergedIds"/> into <see cref="SurvivorId"/>. <see cref="Fields"/>
/// picks, per profile field, the contact whose value the survivor keeps (overriding the merge rules for this merge).
/// </summary>
public sealed record CreateMergeRequest
{
    /// <summary>The contact that remains.</summary>
    public string? SurvivorId { get; init; }

    /// <summary>The contacts merged into it (1..10, distinct, not the survivor).</summary>
    public IReadOnlyList<string>? MergedIds { get; init; }

    /// <summary>
    /// Optional per-field choices: field (<c>name</c>, <c>emails</c>, <c>phones</c>, <c>locale</c>, <c>timeZone</c>,
    /// <c>country</c>, <c>region</c>, <c>birthday</c>, <c>address</c>, <c>lifecycleStage</c>, <c>customFields.&lt;key&gt;</c>) → the id of
    /// one of the merge's contacts. For <c>emails</c> / <c>phones</c> it picks whose primary stays primary (the lists are
    /// always united).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>A merge (<c>/api/contacts/merges/{id}</c>): who was merged into whom, by whom and when, and whether it was undone.</summary>
public sealed record MergeResponse
{
    public required string Id { get; init; }

    public required string SurvivorId { get; init; }

    public required IReadOnlyList<string> MergedIds { get; init; }

    /// <summary>The survivor's profile as the merge left it (without timeline).</summary>
    public required ContactResponse Survivor { get; init; }

    /// <summary>The field choices the merge applied: field → the contact whose value won.</summary>
    public required IReadOnlyDictionary<string, string> Fields { get; init; }

    public required Crm.Contracts.Audit.Actor By { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>When it was undone; null while it stands.</summary>
    public DateTimeOffset? UndoneAt { get; init; }

    public Crm.Contracts.Audit.Actor? UndoneBy { get; init; }
}

/// <summary>
/// The survivorship rules (<c>GET/PUT /api/contacts/merge-rules</c>): per profile field how a merge picks its value when
/// the request does not: <c>mostRecent</c> (default: the most recently updated contact with a non-empty value),
/// <c>survivor</c> (the survivor's value when it has one, else most recent) or <c>oldest</c> (the oldest contact with a
/// non-empty value). E-mails, phones, external ids and tags are always united; the rule of <c>emails</c> / <c>phones</c>
/// picks whose primary stays primary.
/// </summary>
public sealed record MergeRulesDocument
{
    /// <summary>Field (<c>name</c>, <c>emails</c>, <c>customFields.plan</c>...) → rule; a field not listed is <c>mostRecent</c>.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>Read only (sent as <c>ETag</c>; use <c>If-Match</c>).</summary>
    public long Version { get; init; }
}
