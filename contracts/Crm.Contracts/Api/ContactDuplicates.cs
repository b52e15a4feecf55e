namespace Crm.Contracts.Api.Contacts;

/// <summary>
/// Two contacts that may be one person (<c>GET /api/contacts/duplicates</c>, <c>GET /api/contacts/{id}/duplicates</c>):
/// found by the fuzzy comparison, by a conflicting capture, or both. Never merged automatically.
/// </summary>
public sealed record DuplicateCandidateResponse
{
    /// <summary>The pair's id: <c>&lt;contactA&gt;~&lt;contactB&gt;</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The first contact (ids in ordinal order).</summary>
    public required string ContactA { get; init; }

    public required string ContactB { get; init; }

    /// <summary>0..1: how alike the two are (0 when only a conflict relates them).</summary>
    public required double Score { get; init; }

    /// <summary>The signs behind <see cref="Score"/>.</summary>
    public required IReadOnlyList<DuplicateReasonDocument> Reasons { get; init; }

    /// <summary>Present when captures named an identity of each contact at once (the e-mail belongs to one, the phone to the other).</summary>
    public DuplicateConflictDocument? Conflict { get; init; }

    /// <summary><c>open</c> or <c>dismissed</c> (reviewed: two people).</summary>
    public required string Status { get; init; }

    public required DateTimeOffset DetectedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who dismissed it, when dismissed.</summary>
    public Crm.Contracts.Audit.Actor? DismissedBy { get; init; }

    public DateTimeOffset? DismissedAt { get; init; }
}

/// <summary>One sign that two contacts are one person.</summary>
public sealed record DuplicateReasonDocument
{
    /// <summary><c>similar-name</c>, <c>same-mailbox-name</c> (the same e-mail name at another provider), <c>same-phone-ending</c> (the same last 8 digits), <c>same-address</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>0..1 (the names' Jaro-Winkler similarity; 1 for the others).</summary>
    public required double Similarity { get; init; }
}

/// <summary>Captures that named identities of both contacts: which identity kind matched which contact, how often, when last.</summary>
public sealed record DuplicateConflictDocument
{
    public required IReadOnlyList<DuplicateConflictMatch> Matches { get; init; }

    public required int Count { get; init; }

    public required DateTimeOffset LastSeenAt { get; init; }
}

/// <summary>An identity kind of the capture (<c>email</c>, <c>phone</c>, <c>external</c>) and the contact that owns it.</summary>
public sealed record DuplicateConflictMatch
{
    public required string Kind { get; init; }

    public required string ContactId { get; init; }
}
