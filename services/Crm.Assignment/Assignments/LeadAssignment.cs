using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using System.Text.Json.Serialization;
using Crm.Contracts.Assignment;
using Crm.Contracts.Audit;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Assignments;

public enum LeadStatus
{
    /// <summary>Waiting until a rep has room.</summary>
    Backlog,
    /// <summary>Given to a rep (once; reassignment comes later).</summary>
    Assigned,
    /// <summary>Won or lost: it no longer takes its rep's capacity (<see cref="LeadAssignment.ClosedAs"/> says which).</summary>
    Closed,
}

/// <summary>A scored lead as Assignment knows it (a document of <c>lead_assignments</c>; its id is the lead's id).</summary>
public sealed record LeadAssignment : IDocument
{
    /// <summary>The lead's id.</summary>
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    public required Grade Grade { get; init; }
    public required int Score { get; init; }
    /// <summary>OccurredAt of the LeadScored that set grade and score (an older one arriving late changes nothing).</summary>
    public required DateTimeOffset ScoredAt { get; init; }
    /// <summary>When Assignment first recorded the lead.</summary>
    public required DateTimeOffset QueuedAt { get; init; }
    public required LeadStatus Status { get; init; }
    public string? RepId { get; init; }
    /// <summary>The rep's current name (read model, filled when read for the API; not stored).</summary>
    [JsonIgnore]
    public string? RepName { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    /// <summary>The rep the lead had before it went back to the backlog (their rep deactivated); carried by its next <c>LeadAssigned</c>.</summary>
    public string? PreviousRepId { get; init; }
    /// <summary><c>won</c> or <c>lost</c> while <see cref="LeadStatus.Closed"/>.</summary>
    public string? ClosedAs { get; init; }
    /// <summary>OccurredAt of the last close or reopen applied (an older one arriving late changes nothing).</summary>
    public DateTimeOffset? ClosureAt { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>Stored with the document so the backlog index serves hot, then warm, then cold.</summary>
    public int GradeRank => BacklogOrder.Rank(Grade);

    public LeadAssignmentResponse ToResponse() => new()
    {
        LeadId = Id,
        ContactId = ContactId,
        Status = FormatStatus(Status),
        RepId = RepId,
        RepName = RepName,
        Grade = Grade,
        Score = Score,
        QueuedAt = QueuedAt,
        AssignedAt = AssignedAt,
        ClosedAs = ClosedAs,
    };

    public static string FormatStatus(LeadStatus status) => status switch
    {
        LeadStatus.Assigned => "assigned",
        LeadStatus.Closed => "closed",
        _ => "backlog",
    };

    /// <summary>The event published (through the outbox) when this backlog lead goes to <paramref name="rep"/> at <paramref name="now"/>.</summary>
    public LeadAssigned AssignedEvent(Rep rep, DateTimeOffset now) => new()
    {
        EventId = Ids.NewGuid(),
        OccurredAt = now,
        LeadId = Id,
        ContactId = ContactId,
        RepId = rep.Id,
        RepName = rep.Name,
        TeamId = rep.TeamId,
        Grade = BacklogOrder.Format(Grade),
        Score = Score,
        WaitedInBacklog = now - QueuedAt,
        AssignedBy = Actor.System,
        PreviousRepId = PreviousRepId,
    };
}

/// <summary>What a LeadScored event tells Assignment.</summary>
public sealed record ScoredLead(string LeadId, string ContactId, Grade Grade, int Score, DateTimeOffset ScoredAt);
