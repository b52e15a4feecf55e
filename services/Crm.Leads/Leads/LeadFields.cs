using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;

namespace Crm.Leads.Leads;

/// <summary>
/// The lead attributes exit criteria (and fit rules: <see cref="ScoringFields"/>, the one list) can name
/// (<c>budget</c>, <c>decisionDate</c> ..., <c>fields.&lt;key&gt;</c>), and whether a lead has them.
/// </summary>
public static class LeadFields
{
    public static IReadOnlyList<string> Names => ScoringFields.Named;

    public static bool IsKnown(string? field) => ScoringFields.IsKnown(field);

    public static bool IsPresent(Lead lead, string field) => ScoringFields.IsGiven(LeadScoring.SubjectOf(lead), field);

    /// <summary>Whether an activity of <paramref name="type"/> was logged on the lead.</summary>
    public static bool HasActivity(Lead lead, string type) => lead.Activities.Any(a => string.Equals(a.Type, type, StringComparison.Ordinal));
}

/// <summary>Checks of <see cref="Money"/> and other shared value shapes of lead requests.</summary>
public static class LeadValues
{
    /// <summary>Null when valid, else the reason.</summary>
    public static string? MoneyProblem(Money money)
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
            && decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var amount)
            ? amount
            : null;
    }

    /// <summary>The money with its amount written canonically (<c>"129.9"</c> becomes <c>"129.90"</c>).</summary>
    public static Money Canonical(Money money) =>
        money with { Amount = AmountOf(money)!.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Lower-case kebab: a-z, 0-9 and single hyphens, starting with a letter, 1 to <paramref name="max"/> characters.</summary>
    public static bool IsKebab(string? value, int max = 40) =>
        value is { Length: > 0 } && value.Length <= max && char.IsAsciiLetterLower(value[0]) && !value.EndsWith('-') && !value.Contains("--", StringComparison.Ordinal)
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
