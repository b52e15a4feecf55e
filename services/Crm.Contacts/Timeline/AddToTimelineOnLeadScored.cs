using Crm.Contacts.Erasure;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Contacts.Timeline;

/// <summary>
/// Queue <c>contacts-lead-scored</c>: "Scored 28 (hot)" on the contact's timeline for a lead's first score and for every
/// change of its grade; a score that moves within its grade (each page view of a visit) is not a timeline event. The
/// consume pipeline applies each message once and commits; the same event under another message id keeps its first
/// entry. The contact need not exist yet.
/// </summary>
public sealed class AddToTimelineOnLeadScored(UnitOfWork unit) : IConsumer<LeadScored>
{
    public async Task Consume(ConsumeContext<LeadScored> context)
    {
        if (!await ErasureCollections.IsErasedAsync(unit, context.Message.ContactId, context.CancellationToken))
        {
            Record(unit, context.Message);
        }
    }

    /// <summary>The timeline entry of one score, when it is a first score or a change of grade.</summary>
    public static void Record(UnitOfWork unit, LeadScored message)
    {
        if (message.PreviousGrade is null || !string.Equals(message.PreviousGrade, message.Grade, StringComparison.Ordinal))
        {
            unit.InsertIfAbsent(TimelineCollections.Timeline, TimelineEntries.From(message, unit.Now));
        }
    }
}

/// <summary>Queue <c>contacts-lead-scores-changed</c>: a burst of rescores, each as <see cref="AddToTimelineOnLeadScored"/> records one, in one unit.</summary>
public sealed class AddToTimelineOnLeadScoresChanged(UnitOfWork unit) : IConsumer<LeadScoresChanged>
{
    public async Task Consume(ConsumeContext<LeadScoresChanged> context)
    {
        var scores = context.Message.Scores ?? [];
        var erased = await ErasureCollections.ErasedAmongAsync(unit, scores.Select(s => s.ContactId), context.CancellationToken);
        foreach (var scored in scores.Where(s => !erased.Contains(s.ContactId)))
        {
            AddToTimelineOnLeadScored.Record(unit, scored);
        }
    }
}
