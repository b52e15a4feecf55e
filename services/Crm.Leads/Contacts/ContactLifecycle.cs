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
/// Queue <c>leads-contacts-merged</c>: the leads of every merged contact move to the survivor (<see cref="Lead.MergedFromContactId"/>
/// keeps where each came from, for an un-merge). One open lead per contact and pipeline still holds: a moved open lead
/// keeps its key only when the survivor has no open lead in that pipeline (else both stay open, the moved one without
/// the key, for a rep to close one). Applied once per message (inbox).
/// </summary>
public sealed class RekeyLeadsOnContactsMerged(UnitOfWork unit, IOptions<LeadsOptions> options) : IConsumer<ContactsMerged>
{
    public async Task Consume(ConsumeContext<ContactsMerged> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.SurvivorId) || message.MergedIds is not { Count: > 0 })
        {
            throw new InvalidMessageException("ContactsMerged needs a survivorId and mergedIds.");
        }

        var survivorOpen = (await unit.FindAsync(LeadQueries.OfContact(message.SurvivorId).Take(500), context.CancellationToken))
            .Where(l => l.OpenKey is not null)
            .Select(l => l.PipelineId)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var mergedId in message.MergedIds.Where(id => id != message.SurvivorId).Distinct(StringComparer.Ordinal))
        {
            foreach (var lead in await unit.FindAsync(LeadQueries.OfContact(mergedId).Take(500), context.CancellationToken))
            {
                var moved = lead with
                {
                    ContactId = message.SurvivorId,
                    MergedFromContactId = mergedId,
                    OpenKey = null,
                    Version = lead.Version + 1,
                    UpdatedAt = unit.Now,
                };
                if (lead.OpenKey is not null && survivorOpen.Add(lead.PipelineId))
                {
                    moved = moved.WithOpenKey(options.Value.OneOpenPerContact);
                }

                // The key moves from the merged contact's to the survivor's: clear it first, then set it, in one commit.
                unit.Replace(LeadCollections.Leads, moved, lead.Version);
            }
        }
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
