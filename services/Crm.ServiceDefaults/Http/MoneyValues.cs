using System.Globalization;
using Crm.Contracts.Api;

namespace Crm.ServiceDefaults.Http;

/// <summary>The one check of <see cref="Money"/> in requests (a lead's budget and value, an order's amount): a decimal string and an ISO 4217 code.</summary>
public static class MoneyValues
{
    /// <summary>Null when valid, else the reason.</summary>
    public static string? Problem(Money money)
    {
        if (money.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            return "The currency must be an ISO 4217 code (three upper-case letters).";
        }

        return AmountOf(money) is null ? "The amount must be a decimal string with a dot, at most 2 decimals, 0 or more (\"129.90\")." : null;
    }

    /// <summary>The amount as a decimal (null when it is not a valid amount).</summary>
    public static decimal? AmountOf(Money money)
    {
        var text = money.Amount;
        if (string.IsNullOrEmpty(text) || text.Length > 20 || text.StartsWith('+') || text.StartsWith('-') || text.StartsWith('.') || text.EndsWith('.'))
        {
            return null;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && text.Length - dot - 1 > 2)
        {
            return null;
        }

        return text.All(c => char.IsAsciiDigit(c) || c == '.')
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            ? amount
            : null;
    }

    /// <summary>The money with its amount written canonically (<c>"129.9"</c> becomes <c>"129.90"</c>).</summary>
    public static Money Canonical(Money money) => money with { Amount = Format(AmountOf(money)!.Value) };

    /// <summary>An amount written as stored and answered: two decimals, a dot.</summary>
    public static string Format(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
