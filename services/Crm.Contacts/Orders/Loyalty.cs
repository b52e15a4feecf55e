using Crm.Contacts.Segments;
using Crm.Contracts.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>
/// Writes a contact's summary with its loyalty score computed now, written once for every path that changes it (an
/// order, a message, recency ageing): the summary saved at the version read, <c>LoyaltyTierChanged</c> when the tier
/// moved, and the recency timer set to when the score drops next (cancelled when it cannot drop any more).
/// </summary>
public static class Loyalty
{
    public const string TimerKind = "contacts-loyalty-recency";

    public static async Task<LoyaltyRules> RulesAsync(UnitOfWork unit, CancellationToken cancellationToken) =>
        await unit.GetAsync(OrderCollections.LoyaltyRules, LoyaltyRules.DocumentId, cancellationToken) ?? LoyaltyRules.Default;

    /// <summary>Collects into <paramref name="unit"/> <paramref name="after"/> (the summary changed from <paramref name="current"/>, null when new) with its score at <c>unit.Now</c>.</summary>
    public static CustomerSummary Save(UnitOfWork unit, CustomerSummary? current, CustomerSummary after, LoyaltyRules rules)
    {
        var score = rules.Score(after, unit.Now);
        var before = current?.Loyalty ?? LoyaltyScore.None;
        var saved = after with { Loyalty = score, Version = (current?.Version ?? 0) + 1 };
        unit.Save(OrderCollections.Summaries, saved, current);

        // Segments over the summary (last message, RFM) are evaluated again, also when no event tells them (a message, recency ageing).
        SegmentMembership.RequestRefresh(unit, after.Id);
        if (score.Tier != before.Tier)
        {
            unit.Publish(new LoyaltyTierChanged
            {
                EventId = Guid.NewGuid(),
                OccurredAt = unit.Now,
                ContactId = after.Id,
                FromTier = before.Tier,
                ToTier = score.Tier,
                Recency = score.Recency,
                Frequency = score.Frequency,
                Monetary = score.Monetary,
            });
        }

        if (score.RecencyDropsAt != before.RecencyDropsAt)
        {
            if (score.RecencyDropsAt is { } dropsAt)
            {
                // Just after the instant the score drops (Score counts that instant as still inside the window).
                unit.Schedule(TimerKind, after.Id, dropsAt.AddMilliseconds(1));
            }
            else
            {
                unit.CancelTimer(TimerKind, after.Id);
            }
        }

        return saved;
    }
}

/// <summary>Recency ageing: when a contact's recency score drops, the summary is scored again (and the next drop scheduled).</summary>
public sealed class LoyaltyRecencyTimer : ITimerHandler
{
    public string Kind => Loyalty.TimerKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        if (await unit.GetAsync(OrderCollections.Summaries, timer.Key, cancellationToken) is { } summary)
        {
            Loyalty.Save(unit, summary, summary, await Loyalty.RulesAsync(unit, cancellationToken));
        }
    }
}
