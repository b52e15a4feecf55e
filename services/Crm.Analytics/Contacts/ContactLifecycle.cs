using Crm.Analytics.Customers;
using Crm.Analytics.Leads;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Contacts;

/// <summary>
/// Analytics' part of a merge (queues <c>analytics-contacts-merged</c> and <c>analytics-contacts-unmerged</c>,
/// <see cref="RekeyOnContactsMerged"/>): the merged contact's customer document (orders and leads) joins the
/// survivor's, each entry marked with the merge and the contact it came from, and the merged document becomes a
/// tombstone that sends later events of that contact to the survivor; an un-merge moves exactly the marked entries back.
/// Lead facts are keyed by lead and keep the contact id they were captured with (no KPI groups by contact), so they do
/// not move. Counters hold no contact.
/// </summary>
public sealed class AnalyticsRekeyer : IContactRekeyer
{
    public async Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        var merged = await unit.GetAsync(CustomerCollections.Customers, mergedId, cancellationToken);
        if (merged?.MergedInto is not null)
        {
            return;
        }

        var survivor = await unit.GetAsync(CustomerCollections.Customers, survivorId, cancellationToken);
        var (kept, tombstone) = CustomerRules.Merge(survivor ?? Customer.Empty(survivorId), merged ?? Customer.Empty(mergedId), mergeId);
        unit.Save(CustomerCollections.Customers, kept with { Version = (survivor?.Version ?? 0) + 1 }, survivor);
        unit.Save(CustomerCollections.Customers, tombstone with { Version = (merged?.Version ?? 0) + 1 }, merged);
    }

    public async Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        var survivor = await unit.GetAsync(CustomerCollections.Customers, survivorId, cancellationToken);
        var restored = await unit.GetAsync(CustomerCollections.Customers, restoredId, cancellationToken);
        if (survivor is null && restored is null)
        {
            return;
        }

        var (kept, back) = CustomerRules.Unmerge(survivor ?? Customer.Empty(survivorId), restored ?? Customer.Empty(restoredId), mergeId);
        unit.Save(CustomerCollections.Customers, kept with { Version = (survivor?.Version ?? 0) + 1 }, survivor);
        unit.Save(CustomerCollections.Customers, back with { Version = (restored?.Version ?? 0) + 1 }, restored);
    }
}

/// <summary>
/// Queue <c>analytics-contact-erasure-requested</c>. What Analytics holds about a person is ids only (see
/// <see cref="ContactRecords"/>): the contact's customer document (keyed by the contact id: its orders' ids, times and
/// amounts, its leads' ids, channels, sources and campaigns) and the contact id on each of its lead facts. The erasure
/// cuts the link: the customer document moves to an anonymous id (<c>erased-…</c>, so revenue, LTV and retention keep
/// counting the purchases, of nobody), and the contact id is removed from the lead facts; daily counters never named
/// anyone. <c>ContactDataErased</c> (service <c>analytics</c>, records = documents changed) confirms it in the same commit
/// (with the inbox record). A second request confirms again with what it found then (0 once erased).
/// </summary>
public sealed class ConfirmErasureOnErasureRequested(UnitOfWork unit) : IConsumer<ContactErasureRequested>
{
    public const string ServiceName = "analytics";

    public async Task Consume(ConsumeContext<ContactErasureRequested> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.ContactId) || string.IsNullOrWhiteSpace(message.RequestId))
        {
            throw new InvalidMessageException("ContactErasureRequested needs a contactId and a requestId.");
        }

        var records = 0;
        var customer = await unit.GetAsync(CustomerCollections.Customers, message.ContactId, context.CancellationToken);
        if (customer is not null)
        {
            unit.Delete(CustomerCollections.Customers, Filter<Customer>.Eq(x => x.Id, customer.Id) & Filter<Customer>.Eq(x => x.Version, customer.Version), expectOne: true);
            if (customer.MergedInto is null)
            {
                unit.Insert(CustomerCollections.Customers, customer with { Id = ContactRecords.AnonymousIdFor(message.RequestId), Version = 1 });
            }

            records++;
        }

        var leads = await unit.FindAsync(LeadFactQueries.OfContact(message.ContactId).Take(ContactRecords.MaxLeads), context.CancellationToken);
        if (leads.Count > 0)
        {
            unit.Add(LeadFactQueries.ForgetContact(message.ContactId));
            records += leads.Count;
        }

        unit.Publish(new ContactDataErased
        {
            EventId = Ids.NewGuid(),
            OccurredAt = unit.Now,
            ContactId = message.ContactId,
            RequestId = message.RequestId,
            Service = ServiceName,
            Records = records,
        });
    }
}
