using Crm.Contracts.Api.Leads;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;

namespace Crm.Leads.Leads;

/// <summary>Lead to API response and to the events a capture publishes.</summary>
public static class LeadMapping
{
    public static string Location(string id) => $"/api/leads/{id}";

    public static LeadResponse ToResponse(this Lead lead) => new()
    {
        Id = lead.Id,
        ContactId = lead.ContactId,
        ContactPending = lead.ContactPending,
        ContactError = lead.ContactError,
        Name = lead.Name,
        Email = lead.Email,
        Phone = lead.Phone,
        ExternalId = lead.ExternalId,
        Source = lead.Source,
        Channel = lead.Channel,
        PagesVisited = lead.PagesVisited,
        LastInteractionAt = lead.LastInteractionAt,
        Fields = lead.Fields,
        Campaign = lead.Campaign,
        Utm = lead.Utm,
        Interest = lead.Interest,
        Region = lead.Region,
        Budget = lead.Budget,
        DecisionDate = lead.DecisionDate,
        ReferredBy = lead.ReferredBy,
        PipelineId = lead.PipelineId,
        Stage = lead.Stage,
        Status = lead.Status,
        StageEnteredAt = lead.StageEnteredAt,
        StageHistory = lead.StageHistory,
        Activities = lead.Activities,
        Value = lead.Value,
        LostReason = lead.LostReason,
        LostNote = lead.LostNote,
        ClosedAt = lead.ClosedAt,
        Score = lead.Score,
        Engagement = lead.Engagement,
        Fit = lead.Fit,
        ScoredAt = lead.ScoredAt,
        RulesVersion = lead.RulesVersion,
        Grade = lead.Grade,
        ScoreBreakdown = [.. lead.ScoreBreakdown.Select(r => new ScoreLine { Rule = r.Rule, Points = r.Points, Detail = r.Detail, Part = r.Part, BasePoints = r.BasePoints, At = r.At })],
        OwnerId = lead.OwnerId,
        OwnerName = lead.OwnerName,
        OwnerTeamId = lead.OwnerTeamId,
        AssignedAt = lead.AssignedAt,
        CapturedAt = lead.CapturedAt,
        CapturedBy = lead.CapturedBy,
        Version = lead.Version,
    };

    /// <summary><see cref="LeadCaptured"/>, written to the outbox with the lead (its score follows: <see cref="Scoring.LeadScoring.Announce"/>).</summary>
    public static IReadOnlyList<object> CaptureEvents(this Lead lead)
    {
        var contactId = lead.ContactId ?? throw new InvalidOperationException($"Lead {lead.Id} has no contact yet: it is announced once resolved.");
        return
        [
            new LeadCaptured
            {
                EventId = Ids.NewGuid(),
                OccurredAt = lead.CapturedAt,
                LeadId = lead.Id,
                ContactId = contactId,
                Source = lead.Source,
                Channel = WireNames.Of(lead.Channel),
                Name = lead.Name,
                Email = lead.Email,
                Phone = lead.Phone,
                PagesVisited = lead.PagesVisited,
                LastInteractionAt = lead.LastInteractionAt,
                CapturedBy = lead.CapturedBy,
                Campaign = lead.Campaign,
                Interest = lead.Interest,
                Region = lead.Region,
                PipelineId = lead.PipelineId,
            },
        ];
    }
}
