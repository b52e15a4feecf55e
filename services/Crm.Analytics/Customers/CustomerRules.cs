using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.Customers;

/// <summary>How events, merges and erasures change customer documents (pure).</summary>
public static class CustomerRules
{
    /// <summary>Adds the order once (by its id; an order seen before stays as first recorded).</summary>
    public static Customer Apply(Customer customer, OrderPlaced e)
    {
        if (string.IsNullOrWhiteSpace(e.OrderId) || string.IsNullOrWhiteSpace(e.ContactId) || e.OccurredAt == default)
        {
            throw new InvalidMessageException("OrderPlaced needs an orderId, a contactId and an OccurredAt.");
        }

        if (MoneyValues.AmountOf(new Crm.Contracts.Api.Money { Amount = e.Amount, Currency = e.Currency ?? string.Empty }) is not { } amount)
        {
            throw new InvalidMessageException("OrderPlaced needs an amount as a decimal string.");
        }

        if (customer.Orders.Any(o => o.OrderId == e.OrderId))
        {
            return customer;
        }

        var placed = e.PlacedAt == default ? e.OccurredAt : e.PlacedAt;
        return Derive(customer with { Orders = [.. customer.Orders, new CustomerOrder(e.OrderId, placed, MoneyValues.Format(amount), e.Currency?.Trim().ToUpperInvariant() ?? string.Empty)] });
    }

    /// <summary>Adds the lead once (by its id) as one of the contact's touches.</summary>
    public static Customer Apply(Customer customer, LeadCaptured e)
    {
        if (string.IsNullOrWhiteSpace(e.LeadId) || string.IsNullOrWhiteSpace(e.ContactId) || e.OccurredAt == default)
        {
            throw new InvalidMessageException("LeadCaptured needs a leadId, a contactId and an OccurredAt.");
        }

        if (customer.Leads.Any(l => l.LeadId == e.LeadId))
        {
            return customer;
        }

        var lead = new CustomerLead(e.LeadId, e.OccurredAt, Leads.LeadFactRules.Blank(e.Channel), Leads.LeadFactRules.Blank(e.Source), Leads.LeadFactRules.Blank(e.Campaign));
        return Derive(customer with { Leads = [.. customer.Leads, lead] });
    }

    /// <summary>
    /// A merge: the merged contact's orders and leads join the survivor's, marked with the merge and where they came from;
    /// the merged document becomes a tombstone pointing at the survivor. Returns (survivor, tombstone).
    /// </summary>
    public static (Customer Survivor, Customer Tombstone) Merge(Customer survivor, Customer merged, string mergeId)
    {
        var orders = merged.Orders.Where(o => survivor.Orders.All(s => s.OrderId != o.OrderId))
            .Select(o => o with { MergeId = o.MergeId ?? mergeId, MergedFrom = o.MergedFrom ?? merged.Id });
        var leads = merged.Leads.Where(l => survivor.Leads.All(s => s.LeadId != l.LeadId))
            .Select(l => l with { MergeId = l.MergeId ?? mergeId, MergedFrom = l.MergedFrom ?? merged.Id });
        return (
            Derive(survivor with { Orders = [.. survivor.Orders, .. orders], Leads = [.. survivor.Leads, .. leads] }),
            Derive(Customer.Empty(merged.Id) with { MergedInto = survivor.Id, MergeId = mergeId, Version = merged.Version }));
    }

    /// <summary>An un-merge: exactly the entries the merge moved from <paramref name="restored"/>'s contact go back to it. Returns (survivor, restored).</summary>
    public static (Customer Survivor, Customer Restored) Unmerge(Customer survivor, Customer restored, string mergeId)
    {
        bool Moved(string? entryMerge, string? from) => entryMerge == mergeId && from == restored.Id;
        var back = restored with
        {
            MergedInto = null,
            MergeId = null,
            Orders = [.. restored.Orders, .. survivor.Orders.Where(o => Moved(o.MergeId, o.MergedFrom)).Select(o => o with { MergeId = null, MergedFrom = null })],
            Leads = [.. restored.Leads, .. survivor.Leads.Where(l => Moved(l.MergeId, l.MergedFrom)).Select(l => l with { MergeId = null, MergedFrom = null })],
        };
        var kept = survivor with
        {
            Orders = survivor.Orders.Where(o => !Moved(o.MergeId, o.MergedFrom)).ToList(),
            Leads = survivor.Leads.Where(l => !Moved(l.MergeId, l.MergedFrom)).ToList(),
        };
        return (Derive(kept), Derive(back));
    }

    /// <summary>The entries a merge moved here from <paramref name="contactId"/> (an erased contact) marked as moved from <paramref name="anonymousId"/> instead.</summary>
    public static Customer Rename(Customer survivor, string contactId, string anonymousId) => survivor with
    {
        Orders = survivor.Orders.Select(o => o.MergedFrom == contactId ? o with { MergedFrom = anonymousId } : o).ToList(),
        Leads = survivor.Leads.Select(l => l.MergedFrom == contactId ? l with { MergedFrom = anonymousId } : l).ToList(),
    };

    /// <summary>Recomputes the derived fields from the lists (sorted, so the document is the same whatever the order of arrival).</summary>
    public static Customer Derive(Customer customer)
    {
        var orders = customer.Orders.OrderBy(o => o.PlacedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal).ToList();
        var leads = customer.Leads.OrderBy(l => l.CapturedAt).ThenBy(l => l.LeadId, StringComparer.Ordinal).ToList();
        return customer with
        {
            Orders = orders,
            Leads = leads,
            OrderCount = orders.Count,
            FirstOrderAt = orders.Count == 0 ? null : orders[0].PlacedAt,
            LastOrderAt = orders.Count == 0 ? null : orders[^1].PlacedAt,
            FirstTouchCampaign = leads.Count == 0 ? null : leads[0].Campaign,
            LastTouchCampaign = leads.Count == 0 ? null : leads[^1].Campaign,
        };
    }

    /// <summary>The lead that touched the contact first, or last, at or before <paramref name="at"/> (null: none before).</summary>
    public static CustomerLead? Touch(Customer customer, DateTimeOffset at, bool first)
    {
        var before = customer.Leads.Where(l => l.CapturedAt <= at);
        return first
            ? before.OrderBy(l => l.CapturedAt).ThenBy(l => l.LeadId, StringComparer.Ordinal).FirstOrDefault()
            : before.OrderByDescending(l => l.CapturedAt).ThenByDescending(l => l.LeadId, StringComparer.Ordinal).FirstOrDefault();
    }
}
