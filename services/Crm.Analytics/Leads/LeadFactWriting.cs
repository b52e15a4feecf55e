using Crm.Analytics.Counters;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Leads;

// The events that change lead facts (their entries of AnalyticsProjection, applied live by ProjectEvent<T> and replayed
// by a rebuild) read the lead's facts, merge the event in (LeadFactRules, pure) and write them at the version read, with
// the read model's watermark. A concurrent write to the same lead (another event's queue) fails the commit and the
// message is applied again on the fresh facts.

internal static class LeadFactWriting
{
    /// <summary>Reads the lead's facts, applies <paramref name="apply"/> and writes them at the version read, with what that changes in the capture cohorts and the watermark.</summary>
    public static async Task ApplyLeadFactAsync(this IReadModelStore store, string queue, string leadId, DateTimeOffset occurredAt, Func<LeadFact, LeadFact> apply, CancellationToken cancellationToken)
    {
        var id = string.IsNullOrWhiteSpace(leadId) ? leadId : leadId.Trim();
        var current = string.IsNullOrEmpty(id) ? null : await store.GetAsync(LeadFactCollections.LeadFacts, id, cancellationToken);
        var next = apply(current ?? LeadFact.Empty(id));
        store.Save(LeadFactCollections.LeadFacts, next with { Version = (current?.Version ?? 0) + 1 }, current);
        foreach (var change in LeadCohortRules.Changes(current, next))
        {
            store.CountCohort(change);
        }

        store.Advance(ReadModel.LeadFacts, queue, occurredAt);
    }
}
