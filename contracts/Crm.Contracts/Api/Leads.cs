using Crm.Contracts.Audit;

namespace Crm.Contracts.Api.Leads;

/// <summary>Body of <c>POST /api/leads</c>. At least one of e-mail and phone is required.</summary>
public sealed record CaptureLeadRequest
{
    /// <summary>The person's name.</summary>
    public string? Name { get; init; }

    /// <summary>E-mail address (compared case-insensitively to recognise the person).</summary>
    public string? Email { get; init; }

    /// <summary>Any common format; normalised to E.164 with the platform's default region.</summary>
    public string? Phone { get; init; }

    /// <summary>Where the lead came from (landing page, campaign, partner). Required, at most 100 characters.</summary>
    public string? Source { get; init; }

    /// <summary>The channel the lead came through.</summary>
    public Channel? Channel { get; init; }

    /// <summary>Pages the person visited before (a scoring signal).</summary>
    public int PagesVisited { get; init; }

    /// <summary>The person's last interaction (a scoring signal: recent is hotter).</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }

    /// <summary>Free fields (interest, budget, utm_campaign...), at most 50, values at most 1000 characters.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>One line of a score's explanation.</summary>
public sealed record ScoreLine
{
    /// <summary>The scoring rule's name.</summary>
    public required string Rule { get; init; }

    /// <summary>Points the rule gave (may be negative).</summary>
    public required int Points { get; init; }

    /// <summary>Why, for people.</summary>
    public required string Detail { get; init; }
}

/// <summary>A captured lead with its score and, once assigned, its owner.</summary>
public sealed record LeadResponse
{
    /// <summary>The lead's id.</summary>
    public required string Id { get; init; }

    /// <summary>The contact (person) the lead was resolved to; null while <see cref="ContactPending"/>.</summary>
    public string? ContactId { get; init; }

    /// <summary>
    /// True when the lead was captured while Contacts could not answer (the capture was answered 202): it is stored, and
    /// it is resolved to a contact, scored again, announced and assigned as soon as Contacts answers.
    /// </summary>
    public bool ContactPending { get; init; }

    /// <summary>Why a pending contact could not be resolved (Contacts rejected an identity), as <c>field: reason</c>; the lead is then not assigned.</summary>
    public string? ContactError { get; init; }

    /// <summary>The name as captured.</summary>
    public string? Name { get; init; }

    /// <summary>The e-mail as Contacts normalised it (as captured, trimmed, while the contact is pending).</summary>
    public string? Email { get; init; }

    /// <summary>The phone in E.164 (as captured, trimmed, while the contact is pending).</summary>
    public string? Phone { get; init; }

    /// <summary>Where the lead came from.</summary>
    public required string Source { get; init; }

    /// <summary>The channel the lead came through.</summary>
    public required Channel Channel { get; init; }

    /// <summary>Pages the person visited before.</summary>
    public int PagesVisited { get; init; }

    /// <summary>The person's last interaction, as captured.</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }

    /// <summary>The free fields as captured.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>The lead's score.</summary>
    public required int Score { get; init; }

    /// <summary>The grade the score falls in.</summary>
    public required Grade Grade { get; init; }

    /// <summary>How the score was reached, rule by rule.</summary>
    public IReadOnlyList<ScoreLine> ScoreBreakdown { get; init; } = [];

    /// <summary>The rep who owns the lead; null until assigned (assignment is asynchronous).</summary>
    public string? OwnerId { get; init; }

    /// <summary>The owner's name; null until assigned.</summary>
    public string? OwnerName { get; init; }

    /// <summary>The owner's team at assignment; null until assigned or when the rep has no team.</summary>
    public string? OwnerTeamId { get; init; }

    /// <summary>When the lead was assigned (UTC); null until then.</summary>
    public DateTimeOffset? AssignedAt { get; init; }

    /// <summary>When the lead was captured (UTC).</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Who captured the lead: the API key (kind <c>key</c>) or person (kind <c>person</c>, with their role) that called; null for leads captured before this was recorded.</summary>
    public Actor? CapturedBy { get; init; }

    /// <summary>Version, incremented by every change of the lead.</summary>
    public required long Version { get; init; }
}
