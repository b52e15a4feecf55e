using Crm.Assignment.Assignments;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Contacts;

/// <summary>
/// Assignment's part of a merge (queues <c>assignment-contacts-merged</c> and <c>assignment-contacts-unmerged</c>,
/// <see cref="RekeyOnContactsMerged"/>): the lead assignments of a merged contact move to the survivor, marked with the
/// merge and <see cref="LeadAssignment.MergedFromContactId"/>, so sticky rules and returning-customer conditions see one
/// person; an un-merge moves exactly those back. The sticky owner lookup, SLA clocks, work queue items and notifications
/// are keyed by lead (or read through these documents), so nothing else moves. Owners, clocks and capacity are unchanged.
/// One set-based update per contact, however many leads it has.
/// </summary>
public sealed class AssignmentRekeyer : IContactRekeyer
{
    /// <summary>How many leads of one contact the erasure reads at most.</summary>
    public const int MaxLeadsPerContact = 1000;

    public Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        unit.Add(AssignmentQueries.MoveToSurvivor(mergeId, mergedId, survivorId));
        return Task.CompletedTask;
    }

    public Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        unit.Add(AssignmentQueries.MoveBack(mergeId, survivorId, restoredId));
        return Task.CompletedTask;
    }
}

/// <summary>
/// Queue <c>assignment-contact-erasure-requested</c>: Assignment holds the contact id (a pseudonym once Contacts erased
/// the record) and, per lead, routing facts; the ones that can describe the person — region, language, interest — are
/// removed, and <c>ContactDataErased</c> (service <c>assignment</c>) confirms it in the same commit. Source, channel,
/// campaign, grade, owner, clocks and history stay (no personal data: they are about the sales process).
/// </summary>
public sealed class EraseOnErasureRequested(UnitOfWork unit) : IConsumer<ContactErasureRequested>
{
    public const string ServiceName = "assignment";

    public async Task Consume(ConsumeContext<ContactErasureRequested> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RequestId))
        {
            throw new InvalidMessageException("ContactErasureRequested needs a contactId and a requestId.");
        }

        var leads = await unit.FindAsync(ContactRecords.Assignments(message.ContactId).Take(ContactRecords.MaxLeads), context.CancellationToken);
        foreach (var lead in leads)
        {
            unit.Replace(
                AssignmentCollections.Leads,
                lead with { Region = null, Language = null, Interest = null, Version = lead.Version + 1 },
                lead.Version);
        }

        unit.Publish(new ContactDataErased
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            ContactId = message.ContactId,
            RequestId = message.RequestId,
            Service = ServiceName,
            Records = leads.Count,
        });
    }
}
