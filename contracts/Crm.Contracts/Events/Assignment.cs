namespace Crm.Contracts.Assignment;

/// <summary>A lead was given to a rep.</summary>
public sealed record LeadAssigned
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string LeadId { get; init; }
    public required string ContactId { get; init; }
    public required string RepId { get; init; }
    public required string RepName { get; init; }
    public string? Grade { get; init; }
    public int? Score { get; init; }
    /// <summary>How long the lead waited in the backlog before a rep was free (zero when assigned at once).</summary>
    public TimeSpan WaitedInBacklog { get; init; }
}
