using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Teams;

/// <summary>A team (a document of <c>teams</c>, its id the reps' <c>teamId</c>): its lead and manager receive the SLA escalations.</summary>
public sealed record Team : IDocument
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? LeadRepId { get; init; }
    public string? ManagerRepId { get; init; }
    public long Version { get; init; } = 1;

    public TeamResponse ToResponse() => new() { Id = Id, Name = Name, LeadRepId = LeadRepId, ManagerRepId = ManagerRepId, Version = Version };
}
