using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Analytics.Leads;

/// <summary>
/// How each event changes a lead's facts (pure). Every rule is a merge that is commutative and idempotent: earliest
/// time wins for entries and touches, the latest assignment (by event time) names the owner, <c>LeadCaptured</c>'s
/// attributes win over the copies other events carry. So any order of delivery, and any duplicate, gives the same facts.
/// </summary>
public static class LeadFactRules
{
    public const string FirstContactSla = "first-contact";

    public static LeadFact Apply(LeadFact fact, LeadCaptured e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadCaptured));
        return fact with
        {
            Captured = true,
            ContactId = fact.ContactId ?? Blank(e.ContactId),
            CapturedAt = e.OccurredAt,
            Channel = Blank(e.Channel),
            Source = Blank(e.Source),
            Campaign = Blank(e.Campaign),
            PipelineId = Blank(e.PipelineId) ?? "default",
        };
    }

    public static LeadFact Apply(LeadFact fact, LeadAssigned e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadAssigned));
        if (string.IsNullOrWhiteSpace(e.RepId))
        {
            throw new InvalidMessageException("LeadAssigned needs a repId.");
        }

        fact = fact with { ContactId = fact.ContactId ?? Blank(e.ContactId), FirstAssignedAt = Earliest(fact.FirstAssignedAt, e.OccurredAt) };
        // The latest assignment names the owner; two at the same instant: the greater rep id, so both orders agree.
        var newer = fact.OwnerSince is not { } since || e.OccurredAt > since
            || (e.OccurredAt == since && string.CompareOrdinal(e.RepId, fact.OwnerRepId) > 0);
        return newer ? fact with { OwnerRepId = e.RepId, OwnerTeamId = Blank(e.TeamId), OwnerSince = e.OccurredAt } : fact;
    }

    public static LeadFact Apply(LeadFact fact, LeadStageChanged e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadStageChanged));
        return Copies(fact, e.ContactId, e.PipelineId, null, null, null, default) with
        {
            Stages = Enter(Enter(fact.Stages, e.FromStage, e.OccurredAt), e.ToStage, e.OccurredAt),
        };
    }

    public static LeadFact Apply(LeadFact fact, LeadWon e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadWon));
        var merged = Copies(fact, e.ContactId, e.PipelineId, e.Channel, e.Source, e.Campaign, e.CapturedAt);
        // Won again after a reopen: the latest win counts.
        var later = fact.WonAt is not { } won || e.OccurredAt >= won;
        return merged with
        {
            Stages = Enter(fact.Stages, e.Stage, e.OccurredAt),
            WonAt = later ? e.OccurredAt : fact.WonAt,
            WonAmount = later ? e.Amount : fact.WonAmount,
            WonCurrency = later ? e.Currency : fact.WonCurrency,
        };
    }

    public static LeadFact Apply(LeadFact fact, LeadLost e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadLost));
        var merged = Copies(fact, e.ContactId, e.PipelineId, e.Channel, e.Source, null, e.CapturedAt);
        var later = fact.LostAt is not { } lost || e.OccurredAt >= lost;
        return merged with
        {
            Stages = Enter(fact.Stages, e.Stage, e.OccurredAt),
            LostAt = later ? e.OccurredAt : fact.LostAt,
            LostReason = later ? Blank(e.Reason) : fact.LostReason,
        };
    }

    public static LeadFact Apply(LeadFact fact, LeadReopened e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadReopened));
        return fact with
        {
            ContactId = fact.ContactId ?? Blank(e.ContactId),
            ReopenedAt = Latest(fact.ReopenedAt, e.OccurredAt),
            Stages = Enter(fact.Stages, e.Stage, e.OccurredAt),
        };
    }

    /// <summary>An activity logged on the lead is a touch by the lead's owner at the time (the event's <c>ownerId</c>), at the activity's time.</summary>
    public static LeadFact Apply(LeadFact fact, LeadActivityLogged e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(LeadActivityLogged));
        fact = fact with { ContactId = fact.ContactId ?? Blank(e.ContactId) };
        if (Blank(e.OwnerId) is not { } rep)
        {
            return fact;
        }

        var at = e.At == default ? e.OccurredAt : e.At;
        var existing = fact.Touches.FirstOrDefault(t => t.RepId == rep);
        if (existing is not null && existing.At <= at)
        {
            return fact;
        }

        return fact with
        {
            Touches = fact.Touches.Where(t => t.RepId != rep).Append(new RepTouch(rep, at)).OrderBy(t => t.RepId, StringComparer.Ordinal).ToList(),
        };
    }

    public static LeadFact Apply(LeadFact fact, SlaBreached e)
    {
        Require(e.LeadId, e.OccurredAt, nameof(SlaBreached));
        var sla = Blank(e.Sla) ?? FirstContactSla;
        var existing = fact.SlaBreaches.FirstOrDefault(b => b.Sla == sla);
        fact = fact with { ContactId = fact.ContactId ?? Blank(e.ContactId) };
        if (existing is not null && existing.At <= e.OccurredAt)
        {
            return fact;
        }

        return fact with
        {
            SlaBreaches = fact.SlaBreaches.Where(b => b.Sla != sla).Append(new SlaBreach(sla, e.OccurredAt)).OrderBy(b => b.Sla, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>The attributes a later event carries, kept only until <c>LeadCaptured</c> arrives (whose own win).</summary>
    private static LeadFact Copies(LeadFact fact, string? contactId, string? pipelineId, string? channel, string? source, string? campaign, DateTimeOffset capturedAt) =>
        fact.Captured
            ? fact with { ContactId = fact.ContactId ?? Blank(contactId) }
            : fact with
            {
                ContactId = fact.ContactId ?? Blank(contactId),
                PipelineId = fact.PipelineId ?? Blank(pipelineId),
                Channel = fact.Channel ?? Blank(channel),
                Source = fact.Source ?? Blank(source),
                Campaign = fact.Campaign ?? Blank(campaign),
                CapturedAt = fact.CapturedAt ?? (capturedAt == default ? null : capturedAt),
            };

    private static IReadOnlyList<StageEntry> Enter(IReadOnlyList<StageEntry> stages, string? stage, DateTimeOffset at)
    {
        if (Blank(stage) is not { } name)
        {
            return stages;
        }

        var existing = stages.FirstOrDefault(s => s.Stage == name);
        if (existing is not null && existing.At <= at)
        {
            return stages;
        }

        return stages.Where(s => s.Stage != name).Append(new StageEntry(name, at)).OrderBy(s => s.At).ThenBy(s => s.Stage, StringComparer.Ordinal).ToList();
    }

    private static void Require(string? leadId, DateTimeOffset occurredAt, string name)
    {
        if (string.IsNullOrWhiteSpace(leadId))
        {
            throw new InvalidMessageException($"{name} needs a leadId.");
        }

        if (occurredAt == default)
        {
            throw new InvalidMessageException($"{name} has no OccurredAt.");
        }
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;

    private static DateTimeOffset Latest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x >= b ? x : b;

    internal static string? Blank(string? value)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return trimmed.Length > Counters.CounterRules.MaxKeyLength ? trimmed[..Counters.CounterRules.MaxKeyLength] : trimmed;
    }
}
