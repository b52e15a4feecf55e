using Crm.Assignment.Routing;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Assignments;

/// <summary>
/// Queue <c>assignment-lead-scored</c>: records every scored lead and routes it by the assignment rules; otherwise it waits in the backlog. A lead is assigned once: a re-score only updates grade and score.
/// </summary>
public sealed class AssignOnLeadScored(UnitOfWork unit, AssignmentEngine engine) : IConsumer<LeadScored>
{
    public Task Consume(ConsumeContext<LeadScored> context) =>
        engine.RecordScoredAsync(unit, ScoredLeadOf(context.Message), context.CancellationToken);

    /// <summary>What a <see cref="LeadScored"/> tells Assignment; a malformed one is not retried.</summary>
    public static ScoredLead ScoredLeadOf(LeadScored message)
    {
        if (string.IsNullOrWhiteSpace(message.LeadId) || string.IsNullOrWhiteSpace(message.ContactId))
        {
            throw new InvalidMessageException("LeadScored needs a LeadId and a ContactId.");
        }

        if (!BacklogOrder.TryParseGrade(message.Grade, out var grade))
        {
            throw new InvalidMessageException($"LeadScored for lead {message.LeadId} has an unknown grade '{message.Grade}'.");
        }

        // Stores keep milliseconds: compare scores at the precision they are stored with.
        return new ScoredLead(message.LeadId, message.ContactId, grade, message.Score, message.OccurredAt.TruncateToMs())
        {
            Source = message.Source,
            Channel = message.Channel,
            Campaign = message.Campaign,
            Interest = message.Interest,
            Region = message.Region,
            Language = message.Language,
        };
    }
}

/// <summary>
/// Queue <c>assignment-lead-scores-changed</c>: a burst of rescores (signals, a new rule set) recorded in one unit, each
/// as <see cref="AssignOnLeadScored"/> records one.
/// </summary>
public sealed class AssignOnLeadScoresChanged(UnitOfWork unit, AssignmentEngine engine) : IConsumer<LeadScoresChanged>
{
    public Task Consume(ConsumeContext<LeadScoresChanged> context) =>
        engine.RecordScoredAsync(unit, [.. (context.Message.Scores ?? []).Select(AssignOnLeadScored.ScoredLeadOf)], context.CancellationToken);
}
