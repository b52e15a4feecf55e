using Crm.Assignment.Reps;
using Crm.Assignment.Routing;
using MongoDB.Bson.Serialization.Attributes;

namespace Crm.Assignment.Assignments;

/// <summary>A rep (collection <c>reps</c>).</summary>
public sealed class MongoRepDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required int Capacity { get; set; }
    public required bool Active { get; set; }
    public int OpenLeads { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public long Version { get; set; }

    public static MongoRepDocument From(Rep rep) => new()
    {
        Id = rep.Id,
        Name = rep.Name,
        Capacity = rep.Capacity,
        Active = rep.Active,
        OpenLeads = rep.OpenLeads,
        CreatedAt = rep.CreatedAt,
        Version = rep.Version,
    };

    public Rep ToRep() => new()
    {
        Id = Id,
        Name = Name,
        Capacity = Capacity,
        Active = Active,
        OpenLeads = OpenLeads,
        CreatedAt = CreatedAt,
        Version = Version,
    };
}

/// <summary>A scored lead (collection <c>leads</c>, id = the lead id). Grade and status as lower-case strings.</summary>
public sealed class MongoLeadAssignmentDocument
{
    [BsonId]
    public required string Id { get; set; }
    public required string ContactId { get; set; }
    public required string Grade { get; set; }
    /// <summary>Serving order of the grade (hot 0, warm 1, cold 2) for the backlog index.</summary>
    public required int GradeRank { get; set; }
    public required int Score { get; set; }
    public required DateTimeOffset ScoredAt { get; set; }
    public required DateTimeOffset QueuedAt { get; set; }
    public required string Status { get; set; }
    public string? RepId { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }

    public static MongoLeadAssignmentDocument From(LeadAssignment lead) => new()
    {
        Id = lead.LeadId,
        ContactId = lead.ContactId,
        Grade = BacklogOrder.Format(lead.Grade),
        GradeRank = lead.GradeRank,
        Score = lead.Score,
        ScoredAt = lead.ScoredAt,
        QueuedAt = lead.QueuedAt,
        Status = LeadAssignment.FormatStatus(lead.Status),
        RepId = lead.RepId,
        AssignedAt = lead.AssignedAt,
    };

    public LeadAssignment ToLead(string? repName = null) => new()
    {
        LeadId = Id,
        ContactId = ContactId,
        Grade = BacklogOrder.Parse(Grade),
        Score = Score,
        ScoredAt = ScoredAt,
        QueuedAt = QueuedAt,
        Status = LeadAssignment.ParseStatus(Status),
        RepId = RepId,
        RepName = repName,
        AssignedAt = AssignedAt,
    };
}

/// <summary>The round-robin cursor (collection <c>routing_state</c>, one document); every pass that assigns bumps <see cref="Version"/>.</summary>
public sealed class MongoRoutingStateDocument
{
    [BsonId]
    public required string Id { get; set; }
    public string? Cursor { get; set; }
    public long Version { get; set; }
}
