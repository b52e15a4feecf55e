using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>
/// A contact's behaviour (a document of <c>contact_summaries</c>, id = the contact's id), kept from their orders and the
/// messages sent to them, with the RFM scores and tier last computed (<see cref="Loyalty"/>). Beside the contact rather
/// than in it, so orders and messages never race the contact's own version-guarded changes.
/// </summary>
public sealed record CustomerSummary : IDocument
{
    public required string Id { get; init; }
    public int Orders { get; init; }
    public DateTimeOffset? FirstOrderAt { get; init; }
    public DateTimeOffset? LastOrderAt { get; init; }
    /// <summary>Per currency: orders and total in cents.</summary>
    public IReadOnlyList<CurrencyTotal> Totals { get; init; } = [];
    public DateTimeOffset? LastMessageAt { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
    public LoyaltyScore Loyalty { get; init; } = LoyaltyScore.None;
    public long Version { get; init; }

    public static CustomerSummary Empty(string contactId) => new() { Id = contactId };

    /// <summary>The summary with <paramref name="order"/> counted (pure; the loyalty score is computed apart).</summary>
    public CustomerSummary With(Order order)
    {
        var totals = Totals.ToList();
        var index = totals.FindIndex(t => t.Currency == order.Currency);
        var total = index >= 0 ? totals[index] : new CurrencyTotal(order.Currency, 0, 0);
        total = total with { Orders = total.Orders + 1, Cents = total.Cents + order.AmountCents };
        if (index >= 0)
        {
            totals[index] = total;
        }
        else
        {
            totals.Add(total);
        }

        return this with
        {
            Orders = Orders + 1,
            FirstOrderAt = Earliest(FirstOrderAt, order.PlacedAt),
            LastOrderAt = Latest(LastOrderAt, order.PlacedAt),
            Totals = [.. totals.OrderBy(t => t.Currency, StringComparer.Ordinal)],
            LastInteractionAt = Latest(LastInteractionAt, order.PlacedAt),
        };
    }

    /// <summary>The summary with a message sent at <paramref name="at"/> (an older one changes nothing).</summary>
    public CustomerSummary WithMessage(DateTimeOffset at) =>
        this with { LastMessageAt = Latest(LastMessageAt, at), LastInteractionAt = Latest(LastInteractionAt, at) };

    public CustomerSummaryResponse ToResponse(DateTimeOffset now, LoyaltyRules rules)
    {
        var loyalty = rules.Score(this, now);
        return new()
        {
            ContactId = Id,
            Orders = Orders,
            FirstOrderAt = FirstOrderAt,
            LastOrderAt = LastOrderAt,
            TotalSpent = [.. Totals.Select(t => Cents.ToMoney(t.Cents, t.Currency))],
            AverageOrderValue = [.. Totals.Where(t => t.Orders > 0).Select(t => Cents.ToMoney((long)Math.Round((decimal)t.Cents / t.Orders, MidpointRounding.ToEven), t.Currency))],
            LastMessageAt = LastMessageAt,
            LastInteractionAt = LastInteractionAt,
            Loyalty = loyalty.ToResponse(),
        };
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x >= b ? x : b;
}

/// <summary>Orders and their total in one currency.</summary>
public sealed record CurrencyTotal(string Currency, int Orders, long Cents);

/// <summary>RFM scores (1–5; 0 without orders), the tier their sum reaches, and when recency drops next.</summary>
public sealed record LoyaltyScore(int Recency, int Frequency, int Monetary, string? Tier, DateTimeOffset? RecencyDropsAt)
{
    public static LoyaltyScore None { get; } = new(0, 0, 0, null, null);

    public LoyaltyResponse ToResponse() => new() { Recency = Recency, Frequency = Frequency, Monetary = Monetary, Tier = Tier, RecencyDropsAt = RecencyDropsAt };
}
