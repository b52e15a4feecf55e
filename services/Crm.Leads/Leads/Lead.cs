using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
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
    /// <summary>The person's id in the sender's system (the first capture's that gave one).</summary>
    public string? ExternalId { get; init; }
    public required string Source { get; init; }
    public required Channel Channel { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    public string? Campaign { get; init; }
    public UtmTags? Utm { get; init; }
    public string? Interest { get; init; }
    public string? Region { get; init; }
    public Money? Budget { get; init; }
    public DateOnly? DecisionDate { get; init; }
    public string? ReferredBy { get; init; }
    /// <summary>The lead's pipeline (leads captured before pipelines existed are in <c>default</c>).</summary>
    public string PipelineId { get; init; } = Pipelines.Pipeline.DefaultId;
    /// <summary>The stage key in <see cref="PipelineId"/> (leads captured before pipelines existed are in <c>new</c>).</summary>
    public string Stage { get; init; } = "new";
    public LeadStatus Status { get; init; }
    public DateTimeOffset? StageEnteredAt { get; init; }
    public IReadOnlyList<StageChange> StageHistory { get; init; } = [];
    public IReadOnlyList<LeadActivity> Activities { get; init; } = [];
    /// <summary>Set while the lead is open and its contact known: <c>contactId|pipelineId</c>, unique, so a contact has at most one open lead per pipeline.</summary>
    public string? OpenKey { get; init; }
    public Money? Value { get; init; }
    public string? LostReason { get; init; }
    public string? LostNote { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    /// <summary>The contact this lead belonged to before a merge moved it to <see cref="ContactId"/> (for an un-merge).</summary>
    public string? MergedFromContactId { get; init; }
    /// <summary>The merge that moved it from <see cref="MergedFromContactId"/> (an un-merge moves exactly those back).</summary>
    public string? MergeId { get; init; }
    /// <summary>When the person's data was erased from the lead (GDPR); null otherwise.</summary>
    public DateTimeOffset? ErasedAt { get; init; }
    /// <summary>Captures of the same contact recorded on this open lead instead of a duplicate.</summary>
    public int RepeatCaptures { get; init; }
    public DateTimeOffset? LastCapturedAt { get; init; }
    /// <summary>Behavioural signals, aggregated per type and UTC day (what the engagement rules count and decay).</summary>
    public IReadOnlyList<SignalBucket> Signals { get; init; } = [];
    public required int Score { get; init; }
    public int Engagement { get; init; }
    public int Fit { get; init; }
    public DateTimeOffset? ScoredAt { get; init; }
    /// <summary>The scoring rule set's version the score was computed with.</summary>
    public int RulesVersion { get; init; }
    /// <summary>When time alone changes the score next (decay): the <c>lead-decay</c> timer is due then.</summary>
    public DateTimeOffset? NextReviewAt { get; init; }
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

    /// <summary>The lead resolved to <paramref name="contact"/> (identities as Contacts normalised them); the caller scores it again.</summary>
    public Lead WithContact(ResolvedContact contact) =>
        this with { ContactId = contact.ContactId, Email = contact.Email, Phone = contact.Phone, ContactPending = false, ContactError = null };

    /// <summary>
    /// This open lead with a later capture of its contact recorded on it: what it did not know yet is filled in (an
    /// attribute it has is never overwritten; free fields are added, not replaced), the capture counted, and what the
    /// capture logged (the call of a phone capture) added to its activities. The repeat counts at the capture's own
    /// <see cref="CapturedAt"/> (the time its source reported, else now); <paramref name="at"/> is when it was recorded.
    /// </summary>
    public Lead WithRepeatCapture(Lead capture, DateTimeOffset at)
    {
        var fields = new Dictionary<string, string>(Fields, StringComparer.Ordinal);
        foreach (var (key, value) in capture.Fields)
        {
            if (fields.Count < CaptureLeadValidation.MaxFields)
            {
                fields.TryAdd(key, value);
            }
        }

        return this with
        {
            Name = Name ?? capture.Name,
            Email = Email ?? capture.Email,
            Phone = Phone ?? capture.Phone,
            ExternalId = ExternalId ?? capture.ExternalId,
            Campaign = Campaign ?? capture.Campaign,
            Utm = Utm ?? capture.Utm,
            Interest = Interest ?? capture.Interest,
            Region = Region ?? capture.Region,
            Budget = Budget ?? capture.Budget,
            DecisionDate = DecisionDate ?? capture.DecisionDate,
            ReferredBy = ReferredBy ?? capture.ReferredBy,
            Fields = fields,
            Activities = capture.Activities.Count == 0 ? Activities : [.. Activities.Concat(capture.Activities).TakeLast(Pipelines.LeadStages.MaxActivities)],
            // The repeat counts at the time the capture reports (its capturedAt: now, or when the person submitted the form).
            Signals = LeadScoring.CaptureSignals(LeadScoring.WithSignal(Signals, SignalTypes.RepeatCapture, capture.CapturedAt), capture.PagesVisited, capture.LastInteractionAt, capture.CapturedAt),
            RepeatCaptures = RepeatCaptures + 1,
            LastCapturedAt = LastCapturedAt is { } last && last > capture.CapturedAt ? last : capture.CapturedAt,
            UpdatedAt = at,
            Version = Version + 1,
        };
    }

    /// <summary>The lead with everything about the person removed (GDPR erasure); what describes the sale stays.</summary>
    public Lead Anonymised(DateTimeOffset at) => this with
    {
        Name = null,
        Email = null,
        Phone = null,
        ExternalId = null,
        Fields = new Dictionary<string, string>(),
        Utm = null,
        ReferredBy = null,
        LastInteractionAt = null,
        LostNote = null,
        Activities = [.. Activities.Select(a => a with { Note = null })],
        ErasedAt = at,
        UpdatedAt = at,
        Version = Version + 1,
    };

    /// <summary>The key that makes a contact's open lead unique per pipeline (null when closed or the contact is not known yet).</summary>
    public static string? OpenKeyOf(string? contactId, string pipelineId, LeadStatus status) =>
        contactId is null || status != LeadStatus.Open ? null : $"{contactId}|{pipelineId}";

    /// <summary>This lead with <see cref="OpenKey"/> set from its contact, pipeline and status (when <paramref name="oneOpenPerContact"/>).</summary>
    public Lead WithOpenKey(bool oneOpenPerContact) => this with { OpenKey = oneOpenPerContact ? OpenKeyOf(ContactId, PipelineId, Status) : null };

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
        Channel.Referral => "referral",
        Channel.Unknown => "unknown",
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
