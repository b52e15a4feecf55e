using Crm.Contracts.Api;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Assignments;

/// <summary>
/// What a lead's close or reopen does to Assignment (pure: the writes are <see cref="FollowLeadClosures"/>'): a won or
/// lost lead leaves the backlog or gives its rep's capacity back; a reopened one takes its rep's capacity again (or
/// waits in the backlog when it had none). Closures older than the last one applied change nothing (events of one lead
/// travel one queue, but a redelivery may come late).
/// </summary>
public static class LeadClosure
{
    /// <summary>The lead after it was closed as <paramref name="outcome"/> at <paramref name="at"/>; whether it freed a rep's capacity.</summary>
    public static (LeadAssignment Lead, bool FreesCapacity) Close(LeadAssignment lead, string outcome, DateTimeOffset at) =>
        lead.Status == LeadStatus.Closed || lead.ClosureAt > at
            ? (lead, false)
            : (lead with { Status = LeadStatus.Closed, ClosedAs = outcome, ClosureAt = at }, lead.Status == LeadStatus.Assigned);

    /// <summary>A lead Assignment never saw, closed (so that its late <c>LeadScored</c> does not assign it).</summary>
    public static LeadAssignment ClosedUnseen(string leadId, string contactId, string outcome, DateTimeOffset at, DateTimeOffset now) => new()
    {
        Id = leadId,
        ContactId = contactId,
        Grade = Grade.Cold,
        Score = 0,
        ScoredAt = DateTimeOffset.MinValue,
        QueuedAt = now,
        Status = LeadStatus.Closed,
        ClosedAs = outcome,
        ClosureAt = at,
    };

    /// <summary>The lead after it was reopened at <paramref name="at"/>: back to its rep (retaking capacity), else to the backlog.</summary>
    public static (LeadAssignment Lead, bool RetakesCapacity) Reopen(LeadAssignment lead, DateTimeOffset at) =>
        lead.Status != LeadStatus.Closed || lead.ClosureAt > at
            ? (lead, false)
            : lead.RepId is null
                ? (lead with { Status = LeadStatus.Backlog, ClosedAs = null, ClosureAt = at, QueuedAt = at }, false)
                : (lead with { Status = LeadStatus.Assigned, ClosedAs = null, ClosureAt = at }, true);
}

/// <summary>
/// Queue <c>assignment-lead-closures</c> (<c>LeadWon</c>, <c>LeadLost</c>, <c>LeadReopened</c>: one queue, so that a
/// lead's close and reopen are applied in the order Leads published them): capacity frees when a lead is won or lost,
/// and the backlog drains into it at once (the drain timer, due now, in the same commit).
/// </summary>
public sealed class FollowLeadClosures(UnitOfWork unit) : IConsumer<LeadWon>, IConsumer<LeadLost>, IConsumer<LeadReopened>
{
    public Task Consume(ConsumeContext<LeadWon> context) =>
        CloseAsync(unit, nameof(LeadWon), context.Message.LeadId, context.Message.ContactId, "won", context.Message.OccurredAt, context.CancellationToken);

    public Task Consume(ConsumeContext<LeadLost> context) =>
        CloseAsync(unit, nameof(LeadLost), context.Message.LeadId, context.Message.ContactId, "lost", context.Message.OccurredAt, context.CancellationToken);

    public async Task Consume(ConsumeContext<LeadReopened> context)
    {
        var message = context.Message;
        var stored = await unit.GetAsync(AssignmentCollections.Leads, Required(message.LeadId, nameof(LeadReopened)), context.CancellationToken);
        if (stored is null)
        {
            // Never seen here (its scores still on their way): its LeadScored records it as any new lead.
            return;
        }

        var (lead, retakes) = LeadClosure.Reopen(stored, message.OccurredAt.TruncateToMs());
        if (lead == stored)
        {
            return;
        }

        var reopened = lead.WithHistory(new LeadHistoryEntry(message.OccurredAt.TruncateToMs(), "reopened", lead.RepId));
        if (retakes && await unit.GetAsync(AssignmentCollections.Reps, lead.RepId!, context.CancellationToken) is { } rep)
        {
            // Back with its owner: the follow-up clock (or first contact, if never acted on) runs again from the reopening.
            var policies = await unit.GetAsync(AssignmentCollections.SlaPolicies, Sla.SlaPolicies.DocumentId, context.CancellationToken) ?? Sla.SlaPolicies.Default;
            reopened = Sla.SlaClocks.Start(unit, reopened, rep, policies, message.OccurredAt.TruncateToMs());
        }

        unit.Replace(AssignmentCollections.Leads, reopened with { Version = stored.Version + 1 }, stored.Version);
        if (retakes)
        {
            unit.Add(AssignmentQueries.MoveOpenLeads(lead.RepId!, lead.Units));
        }
        else
        {
            BacklogDrainTimer.ScheduleNow(unit);
        }
    }

    /// <summary>
    /// Collects into <paramref name="unit"/> the lead <paramref name="leadId"/> closed as <paramref name="outcome"/> at
    /// <paramref name="occurredAt"/> (<paramref name="eventName"/>: the event that said so, for validation errors).
    /// </summary>
    public static async Task CloseAsync(UnitOfWork unit, string eventName, string leadId, string contactId, string outcome, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        var at = occurredAt.TruncateToMs();
        var stored = await unit.GetAsync(AssignmentCollections.Leads, Required(leadId, eventName), cancellationToken);
        if (stored is null)
        {
            unit.Insert(AssignmentCollections.Leads, LeadClosure.ClosedUnseen(leadId, Required(contactId, eventName), outcome, at, unit.Now));
            return;
        }

        var (lead, frees) = LeadClosure.Close(stored, outcome, at);
        if (lead == stored)
        {
            return;
        }

        var closed = Sla.SlaClocks.Stop(unit, lead).WithHistory(new LeadHistoryEntry(at, "closed", lead.RepId, outcome));
        unit.Replace(AssignmentCollections.Leads, closed with { Version = stored.Version + 1 }, stored.Version);
        if (frees)
        {
            unit.Add(AssignmentQueries.MoveOpenLeads(lead.RepId!, -lead.Units));
            BacklogDrainTimer.ScheduleNow(unit);
        }
    }

    private static string Required(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new InvalidMessageException($"{what} needs a LeadId and a ContactId.") : value;
}
