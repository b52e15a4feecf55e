using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>An order reported for a contact (a document of <c>orders</c>): written once, never changed.</summary>
public sealed record Order : IDocument
{
    public required string Id { get; init; }
    public required string ContactId { get; init; }
    /// <summary>The reporting system's order number: unique per contact (index <c>contact_reference</c>).</summary>
    public required string Reference { get; init; }
    /// <summary>Total paid in minor units (cents): amounts are at most two decimals.</summary>
    public required long AmountCents { get; init; }
    public required string Currency { get; init; }
    public string? Channel { get; init; }
    public required DateTimeOffset PlacedAt { get; init; }
    public IReadOnlyList<OrderLine> Items { get; init; } = [];
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>The merge that re-keyed it from <see cref="MergedFromContactId"/> to its contact (an un-merge moves exactly those back); absent otherwise.</summary>
    public string? MergeId { get; init; }
    /// <summary>The contact it belonged to before <see cref="MergeId"/> moved it to the survivor.</summary>
    public string? MergedFromContactId { get; init; }
    public long Version { get; init; } = 1;

    public OrderResponse ToResponse() => new()
    {
        Id = Id,
        ContactId = ContactId,
        Reference = Reference,
        Amount = Cents.ToMoney(AmountCents, Currency),
        Channel = Channel,
        PlacedAt = PlacedAt,
        Items = [.. Items.Select(i => new OrderItemDocument
        {
            Sku = i.Sku,
            Name = i.Name,
            Quantity = i.Quantity,
            UnitPrice = i.UnitPriceCents is { } cents ? Cents.ToMoney(cents, Currency) : null,
        })],
        RecordedAt = RecordedAt,
    };
}

/// <summary>One line of an <see cref="Order"/>; a unit price is in the order's currency.</summary>
public sealed record OrderLine(string? Sku, string Name, int Quantity, long? UnitPriceCents);

/// <summary>Money as minor units (two decimals), the way orders and summaries keep it so sums stay exact on both stores.</summary>
public static class Cents
{
    public static long Of(decimal amount) => (long)decimal.Round(amount * 100m, 0, MidpointRounding.ToEven);

    public static decimal ToAmount(long cents) => cents / 100m;

    public static Money ToMoney(long cents, string currency) => new() { Amount = ServiceDefaults.Http.MoneyValues.Format(ToAmount(cents)), Currency = currency };
}
