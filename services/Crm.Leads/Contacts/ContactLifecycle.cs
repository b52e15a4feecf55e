using Crm.Contracts.Api.Leads;
using Crm.Contracts.Contacts;
using Crm.Leads.Leads;
using Crm.Leads.Signals;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Contacts;

/// <summary>
/// Leads' part of a merge (queues <c>leads-contacts-merged</c> and <c>leads-contacts-unmerged</c>, <see cref="RekeyOnContactsMerged"/>):
/// every lead of a merged contact moves to the survivor, marked with the merge and <see cref="Lead.MergedFromContactId"/>;
/// an un-merge moves exactly those back (a lead captured for the survivor after the merge stays). Signals and scores are
/// keyed by lead, so they follow their lead. One open lead per contact and pipeline still holds: a moved open lead keeps
/// its key only when the survivor has no open lead in that pipeline (else both stay open, the moved one without the key,
/// for a rep to close one); moved back, it takes its key again. Open leads move one by one (their key changes, at most
/// <see cref="LeadQueries.MaxOpenRekeyed"/>), all others in one set-based update, however many there are.
/// </summary>
public sealed class LeadsRekeyer(IOptions<LeadsOptions> options) : IContactRekeyer
{
    public async Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        var survivorOpen = (await unit.FindAsync(LeadQueries.OpenOfContact(survivorId), cancellationToken))
            .Where(l => l.OpenKey is not null)
            .Select(l => l.PipelineId)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var lead in await unit.FindAsync(LeadQueries.OpenOfContact(mergedId), cancellationToken))
        {
            var moved = lead with { ContactId = survivorId, MergedFromContactId = mergedId, MergeId = mergeId, OpenKey = null, Version = lead.Version + 1, UpdatedAt = unit.Now };
            if (lead.OpenKey is not null && survivorOpen.Add(lead.PipelineId))
            {
                moved = moved.WithOpenKey(options.Value.OneOpenPerContact);
            }

            // The key moves from the merged contact's to the survivor's in one replace.
            unit.Replace(LeadCollections.Leads, moved, lead.Version);
        }

        unit.Add(LeadQueries.MoveToSurvivor(mergeId, mergedId, survivorId, unit.Now));
    }

    public async Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        foreach (var lead in await unit.FindAsync(LeadQueries.OpenMovedBy(mergeId, survivorId, restoredId), cancellationToken))
        {
            var back = lead with { ContactId = restoredId, MergedFromContactId = null, MergeId = null, Version = lead.Version + 1, UpdatedAt = unit.Now };
            unit.Replace(LeadCollections.Leads, back.WithOpenKey(options.Value.OneOpenPerContact), lead.Version);
        }

        unit.Add(LeadQueries.MoveBack(mergeId, survivorId, restoredId, unit.Now));
    }
}

/// <summary>
/// Queue <c>leads-contact-erasure-requested</c>: every lead of the contact is anonymised — name, e-mail, phone, free
/// fields, UTM tags, referrer, activity notes and the loss note removed, its signal records deleted — and
/// <c>ContactDataErased</c> (service <c>leads</c>) confirms it in the same commit. What stays is not about the person:
/// source, channel, campaign, stage history, scores, value (Analytics' numbers stay true). The contact id stays as a
/// pseudonym (Contacts has erased the record it pointed to).
/// </summary>
public sealed class EraseLeadsOnErasureRequested(UnitOfWork unit) : IConsumer<ContactErasureRequested>
{
    public const string ServiceName = "leads";

    public async Task Consume(ConsumeContext<ContactErasureRequested> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RequestId))
        {
            throw new InvalidMessageException("ContactErasureRequested needs a contactId and a requestId.");
        }

        var leads = await unit.FindAsync(ContactRecords.Leads(message.ContactId).Take(ContactRecords.MaxLeads), context.CancellationToken);
        foreach (var lead in leads)
        {
            unit.Replace(LeadCollections.Leads, lead.Anonymised(unit.Now), lead.Version);
        }

        if (leads.Count > 0)
        {
            unit.Delete(SignalCollections.Signals, ContactRecords.SignalsOf([.. leads.Select(l => l.Id)]).Filter);
        }

        // Kept capture and activity responses hold the person's name, e-mail and phone.
        IdempotentRequests.Forget(unit, [message.ContactId, .. leads.Select(l => l.Id)]);

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
