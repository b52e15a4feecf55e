using Crm.Contracts.Api;
using Crm.Contracts.Audit;
using Crm.Leads.Contacts;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>A captured lead with its score and, once Assignment gave it to a rep, its owner (a document of <c>leads</c>).</summary>
public sealed record Lead : IDocument
{
    public required string Id { get; init; }
    /// <summary>The contact the lead was resolved to; null while <see cref="ContactPending"/> (or after <see cref="ContactError"/>).</summary>
    public string? ContactId { get; init; }
    /// <summary>
    /// Captured while Contacts could not answer: stored with its identities as captured, not announced (no events,
    /// so not assigned) until <see cref="ResolvePendingContact"/> resolves it.
    /// </summary>
    public bool ContactPending { get; init; }
    /// <summary>Why the pending contact could not be resolved (Contacts rejected an identity): <c>field: reason</c>.</summary>
    public string? ContactError { get; init; }
    public string? Name { get; init; }
    /// <summary>As Contacts normalised it (as captured, trimmed, while the contact is pending).</summary>
    public string? Email { get; init; }
    /// <summary>E.164, as Contacts normalised it (as captured, trimmed, while the contact is pending).</summary>
    public string? Phone { get; init; }
    public required string Source { get; init; }
    public required Channel Channel { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    public required int Score { get; init; }
    public required Grade Grade { get; init; }
    public IReadOnlyList<ScoreItem> ScoreBreakdown { get; init; } = [];
    public string? OwnerId { get; init; }
    public string? OwnerName { get; init; }
    /// <summary>The owner's team at assignment (team leads see their team's leads).</summary>
    public string? OwnerTeamId { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    public required DateTimeOffset CapturedAt { get; init; }
    /// <summary>Who captured the lead (the API key or person that called); null for leads captured before it was recorded.</summary>
    public Actor? CapturedBy { get; init; }
    public long Version { get; init; } = 1;

    /// <summary>The lead scored on its current fields, as at its capture.</summary>
    public Lead Scored(ScoringOptions scoring)
    {
        var score = LeadScorer.Score(
            new ScoringInput { Name = Name, Email = Email, Phone = Phone, PagesVisited = PagesVisited, LastInteractionAt = LastInteractionAt },
            CapturedAt,
            scoring);
        return this with { Score = score.Score, Grade = score.Grade, ScoreBreakdown = score.Reasons };
    }

    /// <summary>The lead resolved to <paramref name="contact"/> (identities as Contacts normalised them), scored again on them.</summary>
    public Lead WithContact(ResolvedContact contact, ScoringOptions scoring) =>
        (this with { ContactId = contact.ContactId, Email = contact.Email, Phone = contact.Phone, ContactPending = false, ContactError = null }).Scored(scoring);

    /// <summary>
    /// The lead given to <paramref name="ownerId"/> (of the team <paramref name="ownerTeamId"/>) at
    /// <paramref name="assignedAt"/>, with its version moved on; null when it already has an assignment newer than that
    /// one (assignments may arrive out of order: the latest wins).
    /// </summary>
    public Lead? AssignedTo(string ownerId, string ownerName, DateTimeOffset assignedAt, string? ownerTeamId = null) =>
        AssignedAt is { } current && current > assignedAt
            ? null
            : this with { OwnerId = ownerId, OwnerName = ownerName, OwnerTeamId = ownerTeamId, AssignedAt = assignedAt, Version = Version + 1 };
}

/// <summary>The lower-case names events use for enums.</summary>
public static class WireNames
{
    public static string Of(Channel channel) => channel switch
    {
        Channel.Web => "web",
        Channel.Ads => "ads",
        Channel.Whatsapp => "whatsapp",
        Channel.Sms => "sms",
        Channel.Email => "email",
        Channel.Phone => "phone",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    public static string Of(Grade grade) => grade switch
    {
        Grade.Cold => "cold",
        Grade.Warm => "warm",
        Grade.Hot => "hot",
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Unknown grade."),
    };
}
