using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Audit;
using Crm.Contracts.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Pipelines;

/// <summary>
/// A lead's moves through its pipeline, pure (the checks are <see cref="Pipeline"/>'s): each returns the lead changed
/// (version moved on, history appended) and the event to publish with it.
/// </summary>
public static class LeadStages
{
    public const int MaxActivities = 1000;

    public static (Lead Lead, LeadStageChanged Event) MovedTo(this Lead lead, Pipeline pipeline, string stage, DateTimeOffset at, Actor by)
    {
        var moved = lead.Changed(at) with
        {
            Stage = stage,
            StageEnteredAt = at,
            StageHistory = [.. lead.StageHistory, new StageChange { From = lead.Stage, To = stage, Status = LeadStatus.Open, At = at, By = by }],
        };
        return (moved, new LeadStageChanged
        {
            EventId = Ids.NewGuid(),
            OccurredAt = at,
            LeadId = lead.Id,
            ContactId = ContactOf(lead),
            PipelineId = pipeline.Id,
            PipelineVersion = pipeline.Version,
            FromStage = lead.Stage,
            ToStage = stage,
            By = by,
            OwnerId = lead.OwnerId,
        });
    }

    public static (Lead Lead, LeadWon Event) Won(this Lead lead, Money value, DateTimeOffset at, Actor by)
    {
        var won = lead.Closed(LeadStatus.Won, at, by) with { Value = value };
        return (won, new LeadWon
        {
            EventId = Ids.NewGuid(),
            OccurredAt = at,
            LeadId = lead.Id,
            ContactId = ContactOf(lead),
            PipelineId = lead.PipelineId,
            Stage = lead.Stage,
            Amount = value.Amount,
            Currency = value.Currency,
            CapturedAt = lead.CapturedAt,
            Source = lead.Source,
            Channel = WireNames.Of(lead.Channel),
            Campaign = lead.Campaign,
            OwnerId = lead.OwnerId,
            By = by,
        });
    }

    public static (Lead Lead, LeadLost Event) Lost(this Lead lead, string reason, string? note, DateTimeOffset at, Actor by)
    {
        var lost = lead.Closed(LeadStatus.Lost, at, by) with { LostReason = reason, LostNote = note };
        return (lost, new LeadLost
        {
            EventId = Ids.NewGuid(),
            OccurredAt = at,
            LeadId = lead.Id,
            ContactId = ContactOf(lead),
            PipelineId = lead.PipelineId,
            Stage = lead.Stage,
            Reason = reason,
            CapturedAt = lead.CapturedAt,
            Source = lead.Source,
            Channel = WireNames.Of(lead.Channel),
            OwnerId = lead.OwnerId,
            By = by,
        });
    }

    /// <summary>A won or lost lead open again in <paramref name="stage"/> (value, reason and close time cleared; its open key set again).</summary>
    public static (Lead Lead, LeadReopened Event) Reopened(this Lead lead, string stage, bool oneOpenPerContact, DateTimeOffset at, Actor by)
    {
        var reopened = (lead.Changed(at) with
        {
            Status = LeadStatus.Open,
            Stage = stage,
            StageEnteredAt = at,
            Value = null,
            LostReason = null,
            LostNote = null,
            ClosedAt = null,
            StageHistory = [.. lead.StageHistory, new StageChange { From = lead.Stage, To = stage, Status = LeadStatus.Open, At = at, By = by }],
        }).WithOpenKey(oneOpenPerContact);
        return (reopened, new LeadReopened
        {
            EventId = Ids.NewGuid(),
            OccurredAt = at,
            LeadId = lead.Id,
            ContactId = ContactOf(lead),
            PreviousStatus = Pipeline.Wire(lead.Status),
            Stage = stage,
            OwnerId = lead.OwnerId,
            By = by,
        });
    }

    public static (Lead Lead, LeadActivityLogged Event) WithActivity(this Lead lead, LeadActivity activity, DateTimeOffset now)
    {
        var changed = lead.Changed(now) with { Activities = [.. lead.Activities.TakeLast(MaxActivities - 1), activity] };
        return (changed, new LeadActivityLogged
        {
            EventId = Ids.NewGuid(),
            OccurredAt = now,
            LeadId = lead.Id,
            ContactId = ContactOf(lead),
            ActivityId = activity.Id,
            Type = activity.Type,
            At = activity.At,
            OwnerId = lead.OwnerId,
            By = activity.By,
        });
    }

    /// <summary>The lead won or lost in its stage: closed at <paramref name="at"/>, its open key released, the close in its history.</summary>
    private static Lead Closed(this Lead lead, LeadStatus status, DateTimeOffset at, Actor by) => lead.Changed(at) with
    {
        Status = status,
        ClosedAt = at,
        OpenKey = null,
        NextReviewAt = null,
        StageHistory = [.. lead.StageHistory, new StageChange { From = lead.Stage, To = lead.Stage, Status = status, At = at, By = by }],
    };

    /// <summary>The lead with its version moved on and <see cref="Lead.UpdatedAt"/> set.</summary>
    public static Lead Changed(this Lead lead, DateTimeOffset at) => lead with { Version = lead.Version + 1, UpdatedAt = at };

    /// <summary>Leads act only once their contact is known (a pending lead is not announced yet).</summary>
    private static string ContactOf(Lead lead) =>
        lead.ContactId ?? throw Crm.ServiceDefaults.Http.ProblemException.Conflict(
            "The lead's contact is not resolved yet.",
            $"Lead {lead.Id} was captured while Contacts could not answer; it can be worked once its contact is resolved (usually within seconds).");
}
