using Crm.Assignment.Assignments;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Assignment.Contacts;

/// <summary>
/// Queue <c>assignment-contacts-merged</c>: the lead assignments of every merged contact move to the survivor
/// (<see cref="LeadAssignment.MergedFromContactId"/> keeps where each came from, for an un-merge), so sticky rules and
/// returning-customer conditions see one person. Owners, clocks and capacity are unchanged. Applied once per message (inbox).
/// </summary>
public sealed class RekeyOnContactsMerged(UnitOfWork unit) : IConsumer<ContactsMerged>
{
    public const int MaxLeadsPerContact = 1000;

    public async Task Consume(ConsumeContext<ContactsMerged> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.SurvivorId) || message.MergedIds is not { Count: > 0 })
        {
            throw new InvalidMessageException("ContactsMerged needs a survivorId and mergedIds.");
        }

        var merged = message.MergedIds.Where(id => id != message.SurvivorId).Distinct(StringComparer.Ordinal).ToList();
        foreach (var lead in await unit.FindAsync(AssignmentQueries.OfContacts(merged).Take(MaxLeadsPerContact * merged.Count), context.CancellationToken))
        {
            unit.Replace(
                AssignmentCollections.Leads,
                lead with { ContactId = message.SurvivorId, MergedFromContactId = lead.ContactId, Version = lead.Version + 1 },
                lead.Version);
        }
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
