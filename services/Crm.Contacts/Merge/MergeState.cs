using Crm.Contacts.Consent;
using Crm.Contacts.Orders;
using Crm.Contacts.Ownership;
using Crm.Contracts.Audit;

namespace Crm.Contacts.Merge;

/// <summary>
/// How the records beside a contact (summary, owners, consent) are combined on a merge and restored on an un-merge,
/// pure. Consent is combined by <see cref="ConsentRules.Combine"/> (a refusal wins).
/// </summary>
public static class MergeState
{
    /// <summary>Two summaries of one person as one: orders and totals per currency added, the first and last times kept (the loyalty score is computed apart).</summary>
    public static CustomerSummary Combine(CustomerSummary survivor, CustomerSummary merged)
    {
        var totals = survivor.Totals.Concat(merged.Totals)
            .GroupBy(t => t.Currency, StringComparer.Ordinal)
            .Select(g => new CurrencyTotal(g.Key, g.Sum(t => t.Orders), g.Sum(t => t.Cents)))
            .OrderBy(t => t.Currency, StringComparer.Ordinal)
            .ToList();
        return survivor with
        {
            Orders = survivor.Orders + merged.Orders,
            FirstOrderAt = Min(survivor.FirstOrderAt, merged.FirstOrderAt),
            LastOrderAt = Max(survivor.LastOrderAt, merged.LastOrderAt),
            Totals = totals,
            LastMessageAt = Max(survivor.LastMessageAt, merged.LastMessageAt),
            LastInteractionAt = Max(survivor.LastInteractionAt, merged.LastInteractionAt),
        };
    }

    /// <summary>
    /// The survivor's summary after an un-merge: its summary from before the merge, with the orders recorded for it since
    /// (<paramref name="ordersSince"/>), and a message or interaction since the merge (<paramref name="current"/>'s, when
    /// after <paramref name="mergedAt"/>).
    /// </summary>
    public static CustomerSummary Restore(CustomerSummary before, CustomerSummary? current, IEnumerable<Order> ordersSince, DateTimeOffset mergedAt)
    {
        var restored = ordersSince.Aggregate(before, (summary, order) => summary.With(order));
        if (current?.LastMessageAt > mergedAt)
        {
            restored = restored.WithMessage(current.LastMessageAt.Value);
        }

        return current?.LastInteractionAt > mergedAt
            ? restored with { LastInteractionAt = Max(restored.LastInteractionAt, current.LastInteractionAt) }
            : restored;
    }

    /// <summary>The owners of both contacts' leads as the survivor's (of one lead, the later assignment wins).</summary>
    public static ContactOwners Combine(ContactOwners survivor, ContactOwners merged) =>
        merged.Leads.Aggregate(survivor, (owners, lead) => owners.WithAssignment(lead.LeadId, lead.RepId, lead.TeamId, lead.AssignedAt) ?? owners);

    /// <summary>
    /// The owners split back: the leads <paramref name="mergedBefore"/> had go back to the restored contact (with their
    /// current owner when the survivor's document knows a later one), the rest stay with the survivor.
    /// </summary>
    public static (ContactOwners Survivor, ContactOwners Restored) Split(ContactOwners survivor, ContactOwners mergedBefore)
    {
        var moving = mergedBefore.Leads.Select(l => l.LeadId).ToHashSet(StringComparer.Ordinal);
        var restored = mergedBefore with
        {
            Leads = [.. mergedBefore.Leads.Select(l => survivor.Leads.FirstOrDefault(s => s.LeadId == l.LeadId) is { } now && now.AssignedAt > l.AssignedAt ? now : l)],
            Version = mergedBefore.Version + 1,
        };
        return (survivor with { Leads = [.. survivor.Leads.Where(l => !moving.Contains(l.LeadId))], Version = survivor.Version + 1 }, restored);
    }

    /// <summary>
    /// The ledger entries that record how <paramref name="after"/> differs from <paramref name="before"/> (a channel's
    /// status or the do-not-contact flag), with <paramref name="source"/> (<c>merge</c>, <c>unmerge</c>) and
    /// <paramref name="reason"/>: the evidence of a change no person stated. Legal basis and wording version are the state's.
    /// </summary>
    public static IReadOnlyList<ConsentLedgerEntry> Entries(ContactConsent before, ContactConsent after, string source, string reason, DateTimeOffset at, Actor by)
    {
        var entries = new List<ConsentLedgerEntry>();
        foreach (var channel in after.Channels)
        {
            if (before.StatusOf(channel.Channel) != channel.Status)
            {
                entries.Add(Entry(after.Id, source, reason, at, by) with { Channel = channel.Channel, Status = channel.Status, LegalBasis = channel.LegalBasis, WordingVersion = channel.WordingVersion });
            }
        }

        if (before.IsDoNotContact != after.IsDoNotContact)
        {
            entries.Add(Entry(after.Id, source, reason, at, by) with { DoNotContact = after.IsDoNotContact });
        }

        return entries;
    }

    private static ConsentLedgerEntry Entry(string contactId, string source, string reason, DateTimeOffset at, Actor by) => new()
    {
        Id = ServiceDefaults.Storage.Ids.New(),
        ContactId = contactId,
        Source = source,
        Reason = reason,
        At = at,
        By = by,
        EventId = ServiceDefaults.Storage.Ids.NewGuid(),
    };

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
