namespace Crm.Contracts.Api.Contacts;

/// <summary>An order a shop or a point of sale reports for a contact (<c>POST /api/contacts/{id}/orders</c>).</summary>
public sealed record PlaceOrderRequest
{
    /// <summary>The order's number in the reporting system (1–100 characters): one order per contact and reference; a second report of it is a 409.</summary>
    public string? Reference { get; init; }

    /// <summary>What the customer paid in total.</summary>
    public Money? Amount { get; init; }

    /// <summary>Where it was bought, lower-case kebab (<c>web</c>, <c>pos</c>, <c>app</c>, <c>phone</c>, <c>marketplace</c> …); optional.</summary>
    public string? Channel { get; init; }

    /// <summary>When it was placed (UTC); default now. Not more than 5 minutes in the future.</summary>
    public DateTimeOffset? PlacedAt { get; init; }

    /// <summary>The lines (at most 200); optional.</summary>
    public IReadOnlyList<OrderItemDocument>? Items { get; init; }
}

/// <summary>One line of an order.</summary>
public sealed record OrderItemDocument
{
    /// <summary>The product's code (at most 100 characters); optional.</summary>
    public string? Sku { get; init; }

    /// <summary>What was bought (1–200 characters).</summary>
    public string? Name { get; init; }

    /// <summary>How many (1–10,000).</summary>
    public int? Quantity { get; init; }

    /// <summary>The price of one; optional.</summary>
    public Money? UnitPrice { get; init; }
}

/// <summary>An order as recorded.</summary>
public sealed record OrderResponse
{
    public required string Id { get; init; }

    public required string ContactId { get; init; }

    public required string Reference { get; init; }

    public required Money Amount { get; init; }

    public string? Channel { get; init; }

    public required DateTimeOffset PlacedAt { get; init; }

    public required IReadOnlyList<OrderItemDocument> Items { get; init; }

    /// <summary>When Contacts recorded it.</summary>
    public required DateTimeOffset RecordedAt { get; init; }
}

/// <summary>What a contact's behaviour says, kept from their orders and messages (<c>GET /api/contacts/{id}/summary</c>).</summary>
public sealed record CustomerSummaryResponse
{
    public required string ContactId { get; init; }

    /// <summary>Orders recorded, every currency.</summary>
    public required int Orders { get; init; }

    public DateTimeOffset? FirstOrderAt { get; init; }

    public DateTimeOffset? LastOrderAt { get; init; }

    /// <summary>Total spent, per currency (amounts are never converted).</summary>
    public required IReadOnlyList<Money> TotalSpent { get; init; }

    /// <summary>Average order value, per currency.</summary>
    public required IReadOnlyList<Money> AverageOrderValue { get; init; }

    /// <summary>The last message the platform sent them.</summary>
    public DateTimeOffset? LastMessageAt { get; init; }

    /// <summary>The last time they did something: an order, a lead captured, a message sent to them.</summary>
    public DateTimeOffset? LastInteractionAt { get; init; }

    /// <summary>RFM scores and loyalty tier now (recency ages with time).</summary>
    public required LoyaltyResponse Loyalty { get; init; }
}

/// <summary>Recency, frequency and monetary scores (1–5 each; 0 without orders) and the tier their sum reaches.</summary>
public sealed record LoyaltyResponse
{
    public required int Recency { get; init; }

    public required int Frequency { get; init; }

    public required int Monetary { get; init; }

    /// <summary>The first tier of the loyalty rules whose minimum score the sum reaches; null for none.</summary>
    public string? Tier { get; init; }

    /// <summary>When the recency score drops next, if no order comes before.</summary>
    public DateTimeOffset? RecencyDropsAt { get; init; }
}

/// <summary>
/// How RFM scores and tiers are computed (<c>GET/PUT /api/contacts/loyalty-rules</c>). Each list has four ascending
/// thresholds splitting 1..5: recency 5 when the last order is at most <c>recencyDays[0]</c> days old … 1 when older than
/// <c>recencyDays[3]</c>; frequency 5 at <c>frequencyOrders[3]</c> orders or more … 1 below <c>frequencyOrders[0]</c>; monetary
/// likewise on the total spent in <c>currency</c> (other currencies count for recency and frequency only).
/// </summary>
public sealed record LoyaltyRulesDocument
{
    /// <summary>ISO 4217 code the monetary score reads.</summary>
    public string? Currency { get; init; }

    /// <summary>Four ascending day counts.</summary>
    public IReadOnlyList<int>? RecencyDays { get; init; }

    /// <summary>Four ascending order counts.</summary>
    public IReadOnlyList<int>? FrequencyOrders { get; init; }

    /// <summary>Four ascending amounts (decimal strings) in <see cref="Currency"/>.</summary>
    public IReadOnlyList<string>? MonetaryAmounts { get; init; }

    /// <summary>Tiers, highest first: the first whose <c>minScore</c> (3–15) the R+F+M sum reaches.</summary>
    public IReadOnlyList<LoyaltyTierDocument>? Tiers { get; init; }

    /// <summary>Read-only: the rules' version (also the ETag).</summary>
    public long Version { get; init; }
}

/// <summary>A loyalty tier.</summary>
public sealed record LoyaltyTierDocument
{
    /// <summary>Lower-case kebab name (<c>gold</c>).</summary>
    public string? Name { get; init; }

    /// <summary>The R+F+M sum from which a contact is in it (3–15).</summary>
    public int? MinScore { get; init; }
}
