using Crm.Analytics.Customers;
using Crm.Analytics.EventLog;
using Crm.Analytics.Leads;
using Crm.Analytics.ReadModels;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Messaging;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Contacts;

/// <summary>
/// Analytics' part of a merge (queues <c>analytics-contacts-merged</c> and <c>analytics-contacts-unmerged</c>,
/// <see cref="RekeyOnContactsMerged"/>): the merged contact's customer document (orders, leads and segment marks) joins the
/// survivor's, each entry marked with the merge and the contact it came from, and the merged document becomes a
/// tombstone that sends later events of that contact to the survivor; an un-merge moves exactly the marked entries back.
/// Lead facts are keyed by lead and keep the contact id they were captured with (no KPI groups by contact), so they do
/// not move. Counters hold no contact.
/// </summary>
public sealed class AnalyticsRekeyer : IContactRekeyer
{
    public Task MergeAsync(UnitOfWork unit, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken) =>
        CustomerMerging.MergeAsync(new LiveReadModels(unit), mergeId, survivorId, mergedId, cancellationToken);

    public Task UnmergeAsync(UnitOfWork unit, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken) =>
        CustomerMerging.UnmergeAsync(new LiveReadModels(unit), mergeId, survivorId, restoredId, cancellationToken);
}

/// <summary>The queues (<c>analytics-…</c>) of the contact lifecycle's events.</summary>
public static class ContactLifecycleQueues
{
    /// <summary>The platform's <see cref="RekeyOnContactsMerged"/> (<see cref="ContactRekeying"/>).</summary>
    public const string Merged = "contacts-merged";
    /// <summary>The platform's <see cref="RekeyOnContactsUnmerged"/>.</summary>
    public const string Unmerged = "contacts-unmerged";
    /// <summary><see cref="ConfirmErasureOnErasureRequested"/>.</summary>
    public const string ErasureRequested = "contact-erasure-requested";
}

/// <summary>A merge and an un-merge of customer documents, live (<see cref="AnalyticsRekeyer"/>) and on a rebuild (<see cref="AnalyticsProjection"/>).</summary>
public static class CustomerMerging
{
    public static async Task MergeAsync(IReadModelStore store, string mergeId, string survivorId, string mergedId, CancellationToken cancellationToken)
    {
        var merged = await store.GetAsync(CustomerCollections.Customers, mergedId, cancellationToken);
        if (merged?.MergedInto is not null)
        {
            return;
        }

        var survivor = await store.GetAsync(CustomerCollections.Customers, survivorId, cancellationToken);
        var (kept, tombstone) = CustomerRules.Merge(survivor ?? Customer.Empty(survivorId), merged ?? Customer.Empty(mergedId), mergeId);
        store.Save(CustomerCollections.Customers, kept with { Version = (survivor?.Version ?? 0) + 1 }, survivor);
        store.Save(CustomerCollections.Customers, tombstone with { Version = (merged?.Version ?? 0) + 1 }, merged);
    }

    public static async Task UnmergeAsync(IReadModelStore store, string mergeId, string survivorId, string restoredId, CancellationToken cancellationToken)
    {
        var survivor = await store.GetAsync(CustomerCollections.Customers, survivorId, cancellationToken);
        var restored = await store.GetAsync(CustomerCollections.Customers, restoredId, cancellationToken);
        if (survivor is null && restored is null)
        {
            return;
        }

        var (kept, back) = CustomerRules.Unmerge(survivor ?? Customer.Empty(survivorId), restored ?? Customer.Empty(restoredId), mergeId);
        store.Save(CustomerCollections.Customers, kept with { Version = (survivor?.Version ?? 0) + 1 }, survivor);
        store.Save(CustomerCollections.Customers, back with { Version = (restored?.Version ?? 0) + 1 }, restored);
    }
}

/// <summary>What an erasure does to the read models, live (<see cref="ConfirmErasureOnErasureRequested"/>) and on a rebuild (<see cref="AnalyticsProjection"/>).</summary>
public static class ContactErasure
{
    /// <summary>
    /// Moves the contact's customer document to <see cref="ContactRecords.AnonymousIdFor"/> (a merged contact's
    /// tombstone is deleted, and the survivor's entries marked as moved from it are marked as moved from the anonymous id) and removes the contact id from its lead facts. Returns 1 when there was a customer document.
    /// </summary>
    public static async Task<int> UnlinkAsync(IReadModelStore store, string contactId, string requestId, CancellationToken cancellationToken)
    {
        var customer = await store.GetAsync(CustomerCollections.Customers, contactId, cancellationToken);
        if (customer is not null)
        {
            store.Delete(CustomerCollections.Customers, customer);
            if (customer.MergedInto is null)
            {
                store.Save(CustomerCollections.Customers, customer with { Id = ContactRecords.AnonymousIdFor(requestId), Version = 1 }, null);
            }
            else if (await store.GetAsync(CustomerCollections.Customers, customer.MergedInto, cancellationToken) is { } survivor
                && (survivor.Orders.Any(o => o.MergedFrom == contactId) || survivor.Leads.Any(l => l.MergedFrom == contactId) || survivor.Segments.Any(m => m.MergedFrom == contactId)))
            {
                // The survivor's entries that came from the erased contact no longer name it (as the event log does).
                var renamed = CustomerRules.Rename(survivor, contactId, ContactRecords.AnonymousIdFor(requestId));
                store.Save(CustomerCollections.Customers, renamed with { Version = survivor.Version + 1 }, survivor);
            }
        }

        store.ForgetContact(contactId);
        return customer is null ? 0 : 1;
    }
}

/// <summary>
/// Queue <c>analytics-contact-erasure-requested</c>. What Analytics holds about a person is ids only (see
/// <see cref="ContactRecords"/>): the contact's customer document (keyed by the contact id: its orders' ids, times and
/// amounts, its leads' ids, channels, sources and campaigns, its segment marks) and the contact id on each of its lead facts. The erasure
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

        var leads = await unit.FindAsync(LeadFactQueries.OfContact(message.ContactId).Take(ContactRecords.MaxLeads), context.CancellationToken);
        var records = await ContactErasure.UnlinkAsync(new LiveReadModels(unit), message.ContactId, message.RequestId, context.CancellationToken) + leads.Count;
        await EventLogErasure.ScrubAsync(unit, message.ContactId, message.RequestId, context.CancellationToken);

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
