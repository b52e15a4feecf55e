using Crm.Assignment.Assignments;
using Crm.Contracts.Api.Assignment;
using Crm.ServiceDefaults.Storage;

namespace Crm.Assignment.Notifications;

/// <summary>
/// A notification for a rep or a leader (a document of <c>notifications</c>): a new hot lead, an SLA warning or breach,
/// a reassignment, an escalation. Read through the API until Messaging delivers them on channels.
/// </summary>
public sealed record Notification : IDocument
{
    public required string Id { get; init; }
    public required string RepId { get; init; }
    public required string Kind { get; init; }
    public required string LeadId { get; init; }
    public required string Text { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ReadAt { get; init; }
    /// <summary>Stored so the unread filter is an index lookup (absent and null are the same to the stores).</summary>
    public bool Unread => ReadAt is null;
    public long Version { get; init; } = 1;

    /// <summary>Collects a new notification for <paramref name="repId"/> into the unit (nothing when there is nobody to tell).</summary>
    public static void Add(UnitOfWork unit, string? repId, string kind, string leadId, string text)
    {
        if (repId is null)
        {
            return;
        }

        unit.Insert(AssignmentCollections.Notifications, new Notification
        {
            Id = Ids.New(),
            RepId = repId,
            Kind = kind,
            LeadId = leadId,
            Text = text,
            CreatedAt = unit.Now,
        });
    }

    public NotificationResponse ToResponse() => new()
    {
        Id = Id,
        RepId = RepId,
        Kind = Kind,
        LeadId = LeadId,
        Text = Text,
        CreatedAt = CreatedAt,
        ReadAt = ReadAt,
    };
}
