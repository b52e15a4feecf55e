using Crm.Contacts.Orders;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Xunit;

namespace Crm.Contacts.Tests.Orders;

/// <summary>The pure parts of orders and loyalty: an order's checks, the summary's sums, RFM scores, tiers and the rules' checks.</summary>
public sealed class LoyaltyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static Order NewOrder(string reference, string amount, string currency, DateTimeOffset placedAt)
    {
        var errors = new ValidationErrors();
        var order = OrderInput.Parse(new PlaceOrderRequest { Reference = reference, Amount = new Money { Amount = amount, Currency = currency }, PlacedAt = placedAt }, reference, "c1", Now, errors);
        Assert.True(errors.IsEmpty, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        return order!;
    }

    [Fact]
    public void An_order_with_every_field_wrong_is_refused_naming_each_field()
    {
        var errors = new ValidationErrors();
        var order = OrderInput.Parse(
            new PlaceOrderRequest
            {
                Reference = " ",
                Amount = new Money { Amount = "12.345", Currency = "eur" },
                Channel = "Web Shop",
                PlacedAt = Now.AddHours(1),
                Items =
                [
                    new OrderItemDocument { Name = "", Quantity = 0, Sku = "" },
                    new OrderItemDocument { Name = "ok", Quantity = 1, UnitPrice = new Money { Amount = "1.00", Currency = "USD" } },
                ],
            },
            "o1",
            "c1",
            Now,
            errors);

        Assert.Null(order);
        Assert.Equal(
            ["amount", "channel", "items[0].name", "items[0].quantity", "items[0].sku", "items[1].unitPrice", "placedAt", "reference"],
            errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_order_without_amount_or_reference_names_both_and_a_line_priced_in_the_orders_currency_is_kept()
    {
        var errors = new ValidationErrors();
        Assert.Null(OrderInput.Parse(new PlaceOrderRequest(), "o1", "c1", Now, errors));
        Assert.Equal(["amount", "reference"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        errors = new ValidationErrors();
        var order = OrderInput.Parse(
            new PlaceOrderRequest
            {
                Reference = " A-1 ",
                Amount = new Money { Amount = "129.9", Currency = "EUR" },
                Items = [new OrderItemDocument { Name = "Shirt", Quantity = 2, UnitPrice = new Money { Amount = "64.95", Currency = "EUR" } }],
            },
            "o1",
            "c1",
            Now,
            errors);
        Assert.True(errors.IsEmpty);
        Assert.Equal(("A-1", 12_990L, "EUR", Now), (order!.Reference, order.AmountCents, order.Currency, order.PlacedAt));
        Assert.Equal(new OrderLine(null, "Shirt", 2, 6_495), Assert.Single(order.Items));
        Assert.Equal("129.90", order.ToResponse().Amount.Amount);
    }

    [Fact]
    public void The_summary_sums_per_currency_and_keeps_the_first_and_last_order()
    {
        var summary = CustomerSummary.Empty("c1")
            .With(NewOrder("a", "100.00", "EUR", Now.AddDays(-10)))
            .With(NewOrder("b", "50.50", "EUR", Now.AddDays(-30)))
            .With(NewOrder("c", "20.00", "USD", Now.AddDays(-1)));

        Assert.Equal((3, Now.AddDays(-30), Now.AddDays(-1)), (summary.Orders, summary.FirstOrderAt!.Value, summary.LastOrderAt!.Value));
        Assert.Equal([new CurrencyTotal("EUR", 2, 15_050), new CurrencyTotal("USD", 1, 2_000)], summary.Totals);
        var response = summary.ToResponse(Now, LoyaltyRules.Default);
        Assert.Equal(["150.50 EUR", "20.00 USD"], response.TotalSpent.Select(m => $"{m.Amount} {m.Currency}"));
        Assert.Equal(["75.25 EUR", "20.00 USD"], response.AverageOrderValue.Select(m => $"{m.Amount} {m.Currency}"));

        var messaged = summary.WithMessage(Now).WithMessage(Now.AddDays(-5));
        Assert.Equal((Now, Now), (messaged.LastMessageAt!.Value, messaged.LastInteractionAt!.Value));
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(30, 5)]
    [InlineData(31, 4)]
    [InlineData(90, 4)]
    [InlineData(91, 3)]
    [InlineData(180, 3)]
    [InlineData(365, 2)]
    [InlineData(366, 1)]
    public void Recency_drops_at_each_threshold(int daysAgo, int recency)
    {
        var summary = CustomerSummary.Empty("c1").With(NewOrder("a", "10.00", "EUR", Now.AddDays(-daysAgo)));

        var score = LoyaltyRules.Default.Score(summary, Now);

        Assert.Equal(recency, score.Recency);
        Assert.Equal(recency == 1 ? null : Now.AddDays(-daysAgo).AddDays(new[] { 30, 90, 180, 365 }[5 - recency]), score.RecencyDropsAt);
    }

    [Fact]
    public void Frequency_and_monetary_count_orders_and_the_rules_currency_only_and_the_sum_picks_the_tier()
    {
        var summary = CustomerSummary.Empty("c1");
        Assert.Equal(LoyaltyScore.None, LoyaltyRules.Default.Score(summary, Now));

        summary = summary.With(NewOrder("a", "99.99", "EUR", Now.AddDays(-1)));
        Assert.Equal(new LoyaltyScore(5, 1, 1, "bronze", Now.AddDays(29)), LoyaltyRules.Default.Score(summary, Now));

        // 8,000 USD counts for frequency (2 orders) but not for monetary (the rules read EUR).
        summary = summary.With(NewOrder("b", "8000.00", "USD", Now.AddDays(-2)));
        Assert.Equal(new LoyaltyScore(5, 2, 1, "bronze", Now.AddDays(29)), LoyaltyRules.Default.Score(summary, Now));

        for (var i = 0; i < 6; i++)
        {
            summary = summary.With(NewOrder($"e{i}", "1000.00", "EUR", Now.AddDays(-3)));
        }

        // 8 orders: frequency 4; 6,099.99 EUR: monetary 5; recency 5: 14 = gold.
        Assert.Equal(new LoyaltyScore(5, 4, 5, "gold", Now.AddDays(29)), LoyaltyRules.Default.Score(summary, Now));
        Assert.Equal(new LoyaltyScore(2, 4, 5, "silver", Now.AddDays(364)), LoyaltyRules.Default.Score(summary, Now.AddDays(200)));
        Assert.Equal(new LoyaltyScore(1, 4, 5, "silver", null), LoyaltyRules.Default.Score(summary, Now.AddDays(400)));
    }

    [Fact]
    public void Rules_with_every_field_wrong_are_refused_naming_each_field_and_the_defaults_parse_back_to_themselves()
    {
        var errors = new ValidationErrors();
        var parsed = LoyaltyRules.Parse(
            new LoyaltyRulesDocument
            {
                Currency = "euro",
                RecencyDays = [30, 20, 180, 365],
                FrequencyOrders = [1, 2],
                MonetaryAmounts = ["100", "abc", "50.00", "5000.00"],
                Tiers = [new LoyaltyTierDocument { Name = "Gold", MinScore = 13 }, new LoyaltyTierDocument { Name = "silver", MinScore = 14 }, new LoyaltyTierDocument { Name = "x", MinScore = 2 }],
            },
            errors);

        Assert.Null(parsed);
        Assert.Equal(
            ["currency", "frequencyOrders", "monetaryAmounts[1]", "monetaryAmounts[2]", "recencyDays[1]", "tiers[0].name", "tiers[2].minScore"],
            errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        errors = new ValidationErrors();
        var again = LoyaltyRules.Parse(LoyaltyRules.Default.ToDocument(), errors);
        Assert.True(errors.IsEmpty);
        Assert.Equivalent(LoyaltyRules.Default, again, strict: true);
    }
}
