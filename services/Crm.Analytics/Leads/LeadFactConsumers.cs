using Crm.Analytics.Counters;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Leads;

// One consumer (and queue, analytics-lead-facts-<event>) per event that changes lead facts (its entry of
// AnalyticsProjection, the table a rebuild replays too). Each reads the lead's facts, merges the event in (LeadFactRules, pure) and writes them at the version read, with the read model's
// watermark; the consume pipeline commits that with the inbox record. A concurrent write to the same lead (another
// queue) fails the commit and the message is applied again on the fresh facts.

/// <summary>Queue <c>analytics-lead-facts-lead-captured</c>.</summary>
public sealed class ApplyLeadCaptured(UnitOfWork unit) : IConsumer<LeadCaptured>
{
    public const string Queue = "lead-facts-lead-captured";

    public Task Consume(ConsumeContext<LeadCaptured> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-assigned</c>.</summary>
public sealed class ApplyLeadAssigned(UnitOfWork unit) : IConsumer<LeadAssigned>
{
    public const string Queue = "lead-facts-lead-assigned";

    public Task Consume(ConsumeContext<LeadAssigned> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-stage-changed</c>.</summary>
public sealed class ApplyLeadStageChanged(UnitOfWork unit) : IConsumer<LeadStageChanged>
{
    public const string Queue = "lead-facts-lead-stage-changed";

    public Task Consume(ConsumeContext<LeadStageChanged> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-won</c>.</summary>
public sealed class ApplyLeadWon(UnitOfWork unit) : IConsumer<LeadWon>
{
    public const string Queue = "lead-facts-lead-won";

    public Task Consume(ConsumeContext<LeadWon> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-lost</c>.</summary>
public sealed class ApplyLeadLost(UnitOfWork unit) : IConsumer<LeadLost>
{
    public const string Queue = "lead-facts-lead-lost";

    public Task Consume(ConsumeContext<LeadLost> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-reopened</c>.</summary>
public sealed class ApplyLeadReopened(UnitOfWork unit) : IConsumer<LeadReopened>
{
    public const string Queue = "lead-facts-lead-reopened";

    public Task Consume(ConsumeContext<LeadReopened> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-lead-activity-logged</c>: the owner's touch, and the rep's activity counters (<see cref="RepActivityRules"/>).</summary>
public sealed class ApplyLeadActivityLogged(UnitOfWork unit) : IConsumer<LeadActivityLogged>
{
    public const string Queue = "lead-facts-lead-activity-logged";

    public Task Consume(ConsumeContext<LeadActivityLogged> context) => unit.ProjectAsync(Queue, context);
}

/// <summary>Queue <c>analytics-lead-facts-sla-breached</c>: the breach on the lead, and a missed follow-up on the rep's counters.</summary>
public sealed class ApplySlaBreached(UnitOfWork unit) : IConsumer<SlaBreached>
{
    public const string Queue = "lead-facts-sla-breached";

    public Task Consume(ConsumeContext<SlaBreached> context) => unit.ProjectAsync(Queue, context);
}

internal static class LeadFactWriting
{
    /// <summary>Reads the lead's facts, applies <paramref name="apply"/> and writes them at the version read, with the watermark.</summary>
    public static async Task ApplyLeadFactAsync(this IReadModelStore store, string queue, string leadId, DateTimeOffset occurredAt, Func<LeadFact, LeadFact> apply, CancellationToken cancellationToken)
    {
        var id = string.IsNullOrWhiteSpace(leadId) ? leadId : leadId.Trim();
        var current = string.IsNullOrEmpty(id) ? null : await store.GetAsync(LeadFactCollections.LeadFacts, id, cancellationToken);
        var next = apply(current ?? LeadFact.Empty(id));
        store.Save(LeadFactCollections.LeadFacts, next with { Version = (current?.Version ?? 0) + 1 }, current);
        store.Advance(ReadModel.LeadFacts, queue, occurredAt);
    }
}
