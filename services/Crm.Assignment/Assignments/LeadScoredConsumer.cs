using Crm.Assignment.Routing;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using MassTransit;

namespace Crm.Assignment.Assignments;

/// <summary>
/// Records every scored lead (queue <c>assignment-lead-scored</c>) and assigns it by round robin when a rep has
/// room; otherwise it waits in the backlog. A lead is assigned once: a re-score only updates grade and score.
/// </summary>
public sealed class LeadScoredConsumer(IAssignmentStore store) : IConsumer<LeadScored>
{
    public async Task Consume(ConsumeContext<LeadScored> context)
    {
        var inbox = InboxKey.For<LeadScoredConsumer>(context);
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.LeadId) || string.IsNullOrWhiteSpace(message.ContactId))
        {
            throw new InvalidMessageException("LeadScored needs a LeadId and a ContactId.");
        }

        if (!BacklogOrder.TryParseGrade(message.Grade, out var grade))
        {
            throw new InvalidMessageException($"LeadScored for lead {message.LeadId} has an unknown grade '{message.Grade}'.");
        }

        // Stores keep milliseconds: compare scores at the precision they are stored with.
        var scoredAt = message.OccurredAt.ToUniversalTime();
        scoredAt = scoredAt.AddTicks(-(scoredAt.Ticks % TimeSpan.TicksPerMillisecond));
        var lead = new ScoredLead(message.LeadId, message.ContactId, grade, message.Score, scoredAt);
        await store.RecordScoredLeadAsync(inbox, lead, context.CancellationToken);
    }
}
