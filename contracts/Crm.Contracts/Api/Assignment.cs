namespace Crm.Contracts.Api.Assignment;

/// <summary>Body of <c>POST /api/assignment/reps</c>.</summary>
public sealed record CreateRepRequest
{
    /// <summary>Display name, required, trimmed.</summary>
    public string? Name { get; init; }

    /// <summary>Maximum open leads, 1 to 10000.</summary>
    public int? Capacity { get; init; }

    /// <summary>The rep's team (optional): letters, digits, '-', '_' and '.', at most 100 characters. Team leads see their team's leads.</summary>
    public string? TeamId { get; init; }
}

/// <summary>Body of <c>PATCH /api/assignment/reps/{id}</c> (merge patch: absent means unchanged).</summary>
public sealed record UpdateRepRequest
{
    /// <summary>New display name; null leaves it unchanged.</summary>
    public string? Name { get; init; }

    /// <summary>New capacity, 1 to 10000; null leaves it unchanged.</summary>
    public int? Capacity { get; init; }

    /// <summary>false stops new assignments to the rep, true resumes them; null leaves it unchanged.</summary>
    public bool? Active { get; init; }

    /// <summary>New team; null leaves it unchanged, an empty string removes the rep from their team.</summary>
    public string? TeamId { get; init; }
}

/// <summary>Whether a rep is at work right now (set by the rep, their team lead or a manager). Serialised lower-case.</summary>
public enum Presence
{
    /// <summary>Takes new leads (<c>available</c>); every rep starts so.</summary>
    Available,
    /// <summary>Briefly not taking new leads (<c>away</c>): a break, a meeting.</summary>
    Away,
    /// <summary>Not at work (<c>offline</c>).</summary>
    Offline,
}

/// <summary>Body of <c>PUT /api/assignment/reps/{id}/presence</c>.</summary>
public sealed record SetPresenceRequest
{
    /// <summary>available, away or offline (required).</summary>
    public Presence? Presence { get; init; }
}

/// <summary>A sales rep who is given leads.</summary>
public sealed record RepResponse
{
    /// <summary>The rep's id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Maximum open leads.</summary>
    public required int Capacity { get; init; }

    /// <summary>Whether the rep takes new leads.</summary>
    public required bool Active { get; init; }

    /// <summary>available, away or offline: only an active rep who is available is given new leads.</summary>
    public Presence Presence { get; init; }

    /// <summary>Leads assigned to the rep and still open.</summary>
    public required int OpenLeads { get; init; }

    /// <summary>The rep's team, or null.</summary>
    public string? TeamId { get; init; }

    /// <summary>When the rep was created (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Version, incremented by every change; send it as <c>If-Match</c> to update only this version.</summary>
    public required long Version { get; init; }
}

/// <summary>Where a lead stands in assignment: <c>assigned</c> with its rep, <c>backlog</c> while nobody is free, or <c>closed</c> once won or lost.</summary>
public sealed record LeadAssignmentResponse
{
    /// <summary>The lead's id.</summary>
    public required string LeadId { get; init; }

    /// <summary>The contact behind the lead.</summary>
    public required string ContactId { get; init; }

    /// <summary>assigned, backlog or closed (won or lost: it no longer takes its rep's capacity).</summary>
    public required string Status { get; init; }

    /// <summary>won or lost while closed; null otherwise.</summary>
    public string? ClosedAs { get; init; }

    /// <summary>The rep the lead is assigned to; null in the backlog.</summary>
    public string? RepId { get; init; }

    /// <summary>The rep's current name; null in the backlog.</summary>
    public string? RepName { get; init; }

    /// <summary>The lead's grade when it was queued.</summary>
    public Grade? Grade { get; init; }

    /// <summary>The lead's score when it was queued.</summary>
    public int? Score { get; init; }

    /// <summary>When assignment received the scored lead (UTC).</summary>
    public required DateTimeOffset QueuedAt { get; init; }

    /// <summary>When the lead was assigned (UTC); null in the backlog.</summary>
    public DateTimeOffset? AssignedAt { get; init; }
}
