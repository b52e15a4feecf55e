namespace Crm.Contracts.Assignment;

/// <summary>A lead was given to a rep.</summary>
public sealed record LeadAssigned
{
    /// <summary>Unique id of this event (consumers deduplicate on it).</summary>
    public required Guid EventId { get; init; }
    /// <summary>When it happened (UTC).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>The lead concerned.</summary>
    public required string LeadId { get; init; }
    /// <summary>The contact (person) concerned.</summary>
    public required string ContactId { get; init; }
    /// <summary>The rep the lead was given to.</summary>
    public required string RepId { get; init; }
    /// <summary>The rep's name at assignment.</summary>
    public required string RepName { get; init; }
    /// <summary>The rep's team at assignment, if the rep has one (added later: older events lack it). Team leads see the leads of their team.</summary>
    public string? TeamId { get; init; }
    /// <summary>The lead's grade at assignment, lower-case (cold, warm, hot).</summary>
    public string? Grade { get; init; }
    /// <summary>The lead's score at assignment.</summary>
    public int? Score { get; init; }
    /// <summary>How long the lead waited in the backlog before a rep was free (zero when assigned at once).</summary>
    public TimeSpan WaitedInBacklog { get; init; }
}
