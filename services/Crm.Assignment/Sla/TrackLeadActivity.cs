using Crm.Assignment.Assignments;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Sla;

/// <summary>
/// Queue <c>assignment-lead-activity</c>: an activity logged on a lead (a call, an e-mail, a meeting …) or a stage move is
/// the owner acting. The first one ends the first-contact clock; each one (re)starts the follow-up clock from when it
/// happened. An activity older than the latest applied changes nothing; one on a lead Assignment has not seen, or that is
/// closed or waiting, is only recorded.
/// </summary>
public sealed class TrackLeadActivity(UnitOfWork unit) : IConsumer<LeadActivityLogged>, IConsumer<LeadStageChanged>
{
    public Task Consume(ConsumeContext<LeadActivityLogged> context) =>
        ApplyAsync(unit, context.Message.LeadId, context.Message.At.TruncateToMs(), $"activity: {context.Message.Type}", context.CancellationToken);

    public Task Consume(ConsumeContext<LeadStageChanged> context) =>
        ApplyAsync(unit, context.Message.LeadId, context.Message.OccurredAt.TruncateToMs(), $"stage: {context.Message.FromStage} → {context.Message.ToStage}", context.CancellationToken);

    /// <summary>Collects into <paramref name="unit"/> the owner acting on <paramref name="leadId"/> at <paramref name="at"/>.</summary>
    public static async Task ApplyAsync(UnitOfWork unit, string leadId, DateTimeOffset at, string detail, CancellationToken cancellationToken)
    {
        var lead = await unit.GetAsync(AssignmentCollections.Leads, leadId, cancellationToken);
        if (lead is null || (lead.LastActivityAt is { } last && at <= last))
        {
            return;
        }

        var after = (lead with { FirstContactAt = lead.FirstContactAt ?? at, LastActivityAt = at })
            .WithHistory(new LeadHistoryEntry(at, "activity", lead.RepId, detail));
        if (lead is { Status: LeadStatus.Assigned, RepId: { } repId } && await unit.GetAsync(AssignmentCollections.Reps, repId, cancellationToken) is { } rep)
        {
            var policies = await unit.GetAsync(AssignmentCollections.SlaPolicies, SlaPolicies.DocumentId, cancellationToken) ?? SlaPolicies.Default;
            after = SlaClocks.Start(unit, after, rep, policies, at);
        }

        unit.Replace(AssignmentCollections.Leads, after with { Version = lead.Version + 1 }, lead.Version);
    }
}
