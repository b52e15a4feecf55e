using Crm.Assignment.Assignments;
using Crm.Assignment.Sla;
using Crm.Contracts.Api;
using Crm.ServiceDefaults.Time;

namespace Crm.Assignment.Queue;

/// <summary>One open lead's next action, as the queue orders it.</summary>
public sealed record WorkItem(LeadAssignment Lead, string Action, int Tier, string SlaStatus, string Why);

/// <summary>
/// A rep's work queue, computed (pure): every open lead's next action — first contact until the owner acted, then
/// follow-up — in the order to do them: hot leads not yet contacted, then breached SLAs, then SLAs past their warning,
/// then actions due today, then the rest; within each, the earliest due first, then the highest score, then the oldest.
/// </summary>
public static class WorkQueue
{
    public static IReadOnlyList<WorkItem> Order(IEnumerable<LeadAssignment> openLeads, DateTimeOffset now, DateTimeOffset endOfDay) =>
        [.. openLeads.Select(lead => Item(lead, now, endOfDay))
            .OrderBy(i => i.Tier)
            .ThenBy(i => i.Lead.Sla?.BreachAt ?? DateTimeOffset.MaxValue)
            .ThenByDescending(i => i.Lead.Score)
            .ThenBy(i => i.Lead.AssignedAt ?? i.Lead.QueuedAt)
            .ThenBy(i => i.Lead.Id, StringComparer.Ordinal)];

    private static WorkItem Item(LeadAssignment lead, DateTimeOffset now, DateTimeOffset endOfDay)
    {
        var action = lead.FirstContactAt is null ? "first-contact" : "follow-up";
        var clock = lead.Sla;
        var breached = clock is not null && (clock.Breached || clock.BreachAt <= now);
        var atRisk = !breached && clock is not null && clock.Next > 0;
        var status = breached ? "breached" : atRisk ? "at-risk" : "on-track";
        if (lead.Grade == Grade.Hot && lead.FirstContactAt is null)
        {
            return new WorkItem(lead, action, 0, status, "Hot lead not contacted yet: call it first.");
        }

        if (breached)
        {
            return new WorkItem(lead, action, 1, status, $"The {action} SLA is breached.");
        }

        if (atRisk)
        {
            return new WorkItem(lead, action, 2, status, $"The {action} SLA is at risk (due {clock!.BreachAt:u}).");
        }

        if (DueBy(lead, endOfDay))
        {
            return new WorkItem(lead, action, 3, status, $"The {action} is due today ({clock!.BreachAt:u}).");
        }

        return new WorkItem(lead, action, 4, status, "Next by score and age.");
    }

    /// <summary>Whether the lead's next action is due by <paramref name="endOfDay"/> (its SLA target; no clock: never due).</summary>
    public static bool DueBy(LeadAssignment lead, DateTimeOffset endOfDay) => lead.Sla is { } clock && clock.BreachAt <= endOfDay;

    /// <summary>The end of the rep's local day containing <paramref name="now"/> (their next local midnight), in UTC.</summary>
    public static DateTimeOffset EndOfDay(DateTimeOffset now, string? timeZone)
    {
        var zone = TimeZones.Find(timeZone) ?? TimeZoneInfo.Utc;
        var midnight = TimeZoneInfo.ConvertTime(now, zone).Date.AddDays(1);
        return new DateTimeOffset(TimeZones.LocalToUtc(zone, midnight.Ticks), TimeSpan.Zero);
    }
}
