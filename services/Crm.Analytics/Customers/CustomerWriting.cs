using Crm.Analytics.ReadModels;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using MassTransit;

namespace Crm.Analytics.Customers;

internal static class CustomerWriting
{
    /// <summary>How many merges an event follows from a merged contact to its survivor.</summary>
    public const int MaxMergeHops = 8;

    /// <summary>
    /// Applies the event to the contact's document, or, when the contact was merged, to its survivor's (the entry then
    /// carries the merge, so an un-merge moves it back), at the version read, with the watermark.
    /// </summary>
    public static async Task ApplyCustomerAsync(this IReadModelStore unit, string queue, string contactId, DateTimeOffset occurredAt, Func<Customer, Customer> apply, CancellationToken cancellationToken)
    {
        var id = contactId?.Trim() ?? string.Empty;
        var current = id.Length == 0 ? null : await unit.GetAsync(CustomerCollections.Customers, id, cancellationToken);
        string? mergeId = null;
        for (var hop = 0; current?.MergedInto is { } survivor && hop < MaxMergeHops; hop++)
        {
            mergeId ??= current.MergeId;
            id = survivor;
            current = await unit.GetAsync(CustomerCollections.Customers, survivor, cancellationToken);
        }

        var before = current ?? Customer.Empty(id);
        var next = apply(before);
        if (mergeId is not null)
        {
            var orderIds = before.Orders.Select(o => o.OrderId).ToHashSet(StringComparer.Ordinal);
            var leadIds = before.Leads.Select(l => l.LeadId).ToHashSet(StringComparer.Ordinal);
            next = next with
            {
                Orders = next.Orders.Select(o => orderIds.Contains(o.OrderId) ? o : o with { MergeId = mergeId, MergedFrom = contactId }).ToList(),
                Leads = next.Leads.Select(l => leadIds.Contains(l.LeadId) ? l : l with { MergeId = mergeId, MergedFrom = contactId }).ToList(),
                // A mark names the contact it is about by itself (CustomerRules); a new one takes the merge here.
                Segments = next.Segments.Select(m => m.MergeId is null && m.MergedFrom is not null && m.MergedFrom == contactId?.Trim() ? m with { MergeId = mergeId } : m).ToList(),
            };
        }

        unit.Save(CustomerCollections.Customers, next with { Version = (current?.Version ?? 0) + 1 }, current);
        unit.Advance(ReadModel.Customers, queue, occurredAt);
    }
}
