using System.Text.Json;

namespace Crm.Contracts.Api.Contacts;

/// <summary>
/// A segment's rule (one node of a tree): a group, <see cref="All"/> (and) or <see cref="Any"/> (or) of nested nodes,
/// or a condition <see cref="Field"/> <see cref="Op"/> <see cref="Value"/>. Exactly one of the three shapes per node.
/// Fields, operators and values are listed in the Contacts README ("Segments").
/// </summary>
public sealed record SegmentRule
{
    /// <summary>Every nested node must hold (and).</summary>
    public IReadOnlyList<SegmentRule>? All { get; init; }

    /// <summary>At least one nested node must hold (or).</summary>
    public IReadOnlyList<SegmentRule>? Any { get; init; }

    /// <summary>A documented field: <c>lifecycleStage</c>, <c>tags</c>, <c>customFields.vip</c>, <c>consent.email</c>, <c>summary.lastOrderAt</c>, <c>rfm.tier</c>...</summary>
    public string? Field { get; init; }

    /// <summary>eq, ne, in, gt, gte, lt, lte, between, contains, exists, olderThan, withinLast.</summary>
    public string? Op { get; init; }

    /// <summary>The operand: a string, number, boolean, date, a list (<c>in</c>), two bounds (<c>between</c>), an ISO 8601 duration (<c>olderThan</c>, <c>withinLast</c>: <c>P90D</c>).</summary>
    public JsonElement? Value { get; init; }
}

/// <summary>Defines a segment (<c>POST /api/contacts/segments</c>, <c>PUT /api/contacts/segments/{id}</c>).</summary>
public sealed record SegmentRequest
{
    /// <summary>1–200 characters.</summary>
    public string? Name { get; init; }

    /// <summary>At most 2,000 characters.</summary>
    public string? Description { get; init; }

    public SegmentRule? Rule { get; init; }
}

/// <summary>A segment: its rule, whether its membership is still being built, and how many contacts are members.</summary>
public sealed record SegmentResponse
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required SegmentRule Rule { get; init; }

    /// <summary>building (its membership is computed over every contact in the background after a save) or live.</summary>
    public required string Status { get; init; }

    /// <summary>How many contacts are members now.</summary>
    public long Count { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>1 at creation, +1 on every change (also the <c>ETag</c>).</summary>
    public required long Version { get; init; }
}

/// <summary>A rule to try before saving it (<c>POST /api/contacts/segments/preview</c>).</summary>
public sealed record SegmentPreviewRequest
{
    public SegmentRule? Rule { get; init; }
}

/// <summary>How many contacts a rule selects now, and a few of them.</summary>
public sealed record SegmentPreviewResponse
{
    public required long Count { get; init; }

    /// <summary>At most 10 of the contacts selected, newest first.</summary>
    public required IReadOnlyList<string> SampleContactIds { get; init; }
}

/// <summary>One member of a segment (<c>GET /api/contacts/segments/{id}/members</c>).</summary>
public sealed record SegmentMemberResponse
{
    public required string ContactId { get; init; }

    /// <summary>When the contact joined (this time).</summary>
    public required DateTimeOffset Since { get; init; }
}
