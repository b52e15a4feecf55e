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
    /// A segment mark: the contact joined or left the segment at <c>OccurredAt</c>. Per segment (and per contact: the
    /// document's own, or, reached through a merge's tombstone, the merged contact the event names) the latest mark wins,
    /// on a tie <c>left</c> wins, so any order of delivery and any duplicate give the same document.
    /// </summary>
    public static Customer Apply(Customer customer, SegmentMembershipChanged e)
    {
        if (string.IsNullOrWhiteSpace(e.SegmentId) || string.IsNullOrWhiteSpace(e.ContactId) || e.OccurredAt == default)
        {
            throw new InvalidMessageException("SegmentMembershipChanged needs a segmentId, a contactId and an OccurredAt.");
        }

        var contactId = e.ContactId.Trim();
        var mark = new CustomerSegmentMark(e.SegmentId.Trim(), e.Joined, e.OccurredAt) { MergedFrom = contactId == customer.Id ? null : contactId };
        return Derive(customer with { Segments = Marks(customer.Segments, [mark]) });
    }

    /// <summary>The segments the contact is a member of now: those whose latest mark (of the contact or of a contact merged into it) is <c>joined</c>, by id.</summary>
    public static IReadOnlyList<string> CurrentSegments(Customer customer) =>
        customer.Segments.Where(s => s.Joined).Select(s => s.SegmentId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The union of two lists of marks: one per segment and contact (<see cref="CustomerSegmentMark.MergedFrom"/>), the
    /// latest winning, on a tie <c>left</c>; the winner keeps the merge it was moved by.
    /// </summary>
    public static IReadOnlyList<CustomerSegmentMark> Marks(IEnumerable<CustomerSegmentMark> marks, IEnumerable<CustomerSegmentMark> more) =>
        marks.Concat(more)
            .GroupBy(m => (m.SegmentId, m.MergedFrom))
            .Select(g =>
            {
                var latest = g.OrderByDescending(m => m.At).ThenBy(m => m.Joined).First();
                return latest with { MergeId = latest.MergeId ?? g.Select(m => m.MergeId).FirstOrDefault(id => id is not null) };
            })
            .ToList();

    /// <summary>
    /// A merge: the merged contact's orders, leads and segment marks join the survivor's, marked with the merge and where they came from;
    /// the merged document becomes a tombstone pointing at the survivor. Returns (survivor, tombstone).
    /// </summary>
    public static (Customer Survivor, Customer Tombstone) Merge(Customer survivor, Customer merged, string mergeId)
    {
        var orders = merged.Orders.Where(o => survivor.Orders.All(s => s.OrderId != o.OrderId))
            .Select(o => o with { MergeId = o.MergeId ?? mergeId, MergedFrom = o.MergedFrom ?? merged.Id });
        var leads = merged.Leads.Where(l => survivor.Leads.All(s => s.LeadId != l.LeadId))
            .Select(l => l with { MergeId = l.MergeId ?? mergeId, MergedFrom = l.MergedFrom ?? merged.Id });
        var marks = merged.Segments.Select(m => m with { MergeId = m.MergeId ?? mergeId, MergedFrom = m.MergedFrom ?? merged.Id });
        return (
            Derive(survivor with { Orders = [.. survivor.Orders, .. orders], Leads = [.. survivor.Leads, .. leads], Segments = Marks(survivor.Segments, marks) }),
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
            Segments = Marks(restored.Segments, survivor.Segments.Where(m => Moved(m.MergeId, m.MergedFrom)).Select(m => m with { MergeId = null, MergedFrom = null })),
        };
        var kept = survivor with
        {
            Orders = survivor.Orders.Where(o => !Moved(o.MergeId, o.MergedFrom)).ToList(),
            Leads = survivor.Leads.Where(l => !Moved(l.MergeId, l.MergedFrom)).ToList(),
            Segments = survivor.Segments.Where(m => !Moved(m.MergeId, m.MergedFrom)).ToList(),
        };
        return (Derive(kept), Derive(back));
    }

    /// <summary>The entries (orders, leads, segment marks) a merge moved here from <paramref name="contactId"/> (an erased contact) marked as moved from <paramref name="anonymousId"/> instead.</summary>
    public static Customer Rename(Customer survivor, string contactId, string anonymousId) => survivor with
    {
        Orders = survivor.Orders.Select(o => o.MergedFrom == contactId ? o with { MergedFrom = anonymousId } : o).ToList(),
        Leads = survivor.Leads.Select(l => l.MergedFrom == contactId ? l with { MergedFrom = anonymousId } : l).ToList(),
        Segments = survivor.Segments.Select(m => m.MergedFrom == contactId ? m with { MergedFrom = anonymousId } : m).ToList(),
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
            Segments = customer.Segments.OrderBy(m => m.SegmentId, StringComparer.Ordinal).ThenBy(m => m.MergedFrom, StringComparer.Ordinal).ToList(),
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
