namespace Crm.Contracts.Api.Assignment;

/// <summary>Body of <c>POST /api/assignment/reps</c>.</summary>
public sealed record CreateRepRequest
{
    public string? Name { get; init; }
    /// <summary>Maximum open leads, 1 to 10000.</summary>
    public int? Capacity { get; init; }
}

/// <summary>Body of <c>PATCH /api/assignment/reps/{id}</c> (merge patch: absent means unchanged).</summary>
public sealed record UpdateRepRequest
{
    public string? Name { get; init; }
    public int? Capacity { get; init; }
    public bool? Active { get; init; }
}

public sealed record RepResponse
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required int Capacity { get; init; }
    public required bool Active { get; init; }
    public required int OpenLeads { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required long Version { get; init; }
}

/// <summary>Where a lead stands in assignment: <c>assigned</c> with its rep, or <c>backlog</c> while nobody is free.</summary>
public sealed record LeadAssignmentResponse
{
    public required string LeadId { get; init; }
    public required string ContactId { get; init; }
    /// <summary>assigned or backlog.</summary>
    public required string Status { get; init; }
    public string? RepId { get; init; }
    public string? RepName { get; init; }
    public Grade? Grade { get; init; }
    public int? Score { get; init; }
    public required DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
}
