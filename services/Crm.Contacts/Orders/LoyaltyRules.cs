using System.Globalization;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Contacts;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Contacts.Orders;

/// <summary>
/// How RFM scores and loyalty tiers are computed (one document of <c>loyalty_rules</c>, id <c>rules</c>; <see cref="Default"/>
/// until one is saved). Pure: <see cref="Score"/> reads a summary and the time, nothing else.
/// </summary>
public sealed record LoyaltyRules : IDocument
{
    public const string DocumentId = "rules";
    public const int Thresholds = 4;

    public string Id { get; init; } = DocumentId;
    public string Currency { get; init; } = "EUR";
    /// <summary>Four ascending day counts: recency 5 at most the first old … 1 older than the last.</summary>
    public IReadOnlyList<int> RecencyDays { get; init; } = [];
    /// <summary>Four ascending order counts: frequency 2 from the first … 5 from the last.</summary>
    public IReadOnlyList<int> FrequencyOrders { get; init; } = [];
    /// <summary>Four ascending totals in cents of <see cref="Currency"/>: monetary 2 from the first … 5 from the last.</summary>
    public IReadOnlyList<long> MonetaryCents { get; init; } = [];
    /// <summary>Highest first: the first whose minimum the R+F+M sum reaches.</summary>
    public IReadOnlyList<LoyaltyTier> Tiers { get; init; } = [];
    public long Version { get; init; }

    public static LoyaltyRules Default { get; } = new()
    {
        RecencyDays = [30, 90, 180, 365],
        FrequencyOrders = [2, 4, 8, 16],
        MonetaryCents = [10_000, 50_000, 100_000, 500_000],
        Tiers = [new("gold", 13), new("silver", 10), new("bronze", 6)],
    };

    /// <summary>The scores of <paramref name="summary"/> at <paramref name="now"/>: all 0 and no tier without orders.</summary>
    public LoyaltyScore Score(CustomerSummary summary, DateTimeOffset now)
    {
        if (summary.Orders == 0 || summary.LastOrderAt is not { } last)
        {
            return LoyaltyScore.None;
        }

        // Recency: 5 while the last order is at most RecencyDays[0] days old; it drops at last + RecencyDays[i].
        var recency = 1;
        DateTimeOffset? dropsAt = null;
        for (var i = 0; i < RecencyDays.Count; i++)
        {
            var until = last.AddDays(RecencyDays[i]);
            if (now <= until)
            {
                recency = 5 - i;
                dropsAt = until;
                break;
            }
        }

        var frequency = 1 + FrequencyOrders.Count(min => summary.Orders >= min);
        var spent = summary.Totals.FirstOrDefault(t => t.Currency == Currency)?.Cents ?? 0;
        var monetary = 1 + MonetaryCents.Count(min => spent >= min);
        var sum = recency + frequency + monetary;
        var tier = Tiers.FirstOrDefault(t => sum >= t.MinScore)?.Name;
        return new LoyaltyScore(recency, frequency, monetary, tier, dropsAt);
    }

    public LoyaltyRulesDocument ToDocument() => new()
    {
        Currency = Currency,
        RecencyDays = RecencyDays,
        FrequencyOrders = FrequencyOrders,
        MonetaryAmounts = [.. MonetaryCents.Select(c => MoneyValues.Format(Cents.ToAmount(c)))],
        Tiers = [.. Tiers.Select(t => new LoyaltyTierDocument { Name = t.Name, MinScore = t.MinScore })],
        Version = Version,
    };

    /// <summary>The rules a request describes (version 0), or null with every bad field in <paramref name="errors"/>.</summary>
    public static LoyaltyRules? Parse(LoyaltyRulesDocument request, ValidationErrors errors)
    {
        var currency = request.Currency;
        if (currency is null || MoneyValues.Problem(new Money { Amount = "0", Currency = currency }) is not null)
        {
            errors.Add("currency", "Required: an ISO 4217 code (three upper-case letters).");
        }

        var recency = Ascending(request.RecencyDays, "recencyDays", 1, 36_500, errors);
        var frequency = Ascending(request.FrequencyOrders, "frequencyOrders", 1, 1_000_000, errors);
        var monetary = new List<long>();
        if (request.MonetaryAmounts is not { Count: Thresholds } amounts)
        {
            errors.Add("monetaryAmounts", $"Required: {Thresholds} ascending amounts (decimal strings, \"100.00\").");
        }
        else
        {
            for (var i = 0; i < amounts.Count; i++)
            {
                if (amounts[i] is null || MoneyValues.AmountOf(new Money { Amount = amounts[i], Currency = "EUR" }) is not { } amount)
                {
                    errors.Add($"monetaryAmounts[{i}]", "A decimal string with a dot, at most 2 decimals (\"100.00\").");
                }
                else if (monetary.Count > 0 && Cents.Of(amount) <= monetary[^1])
                {
                    errors.Add($"monetaryAmounts[{i}]", "Must be greater than the one before.");
                }
                else
                {
                    monetary.Add(Cents.Of(amount));
                }
            }
        }

        var tiers = new List<LoyaltyTier>();
        if (request.Tiers is not { Count: > 0 and <= 10 } requested)
        {
            errors.Add("tiers", "Required: 1 to 10 tiers, highest first.");
        }
        else
        {
            for (var i = 0; i < requested.Count; i++)
            {
                var tier = requested[i];
                var ok = true;
                if (!Identifiers.IsKebab(tier?.Name))
                {
                    errors.Add($"tiers[{i}].name", "Required: lower-case kebab (a-z, 0-9, single hyphens), at most 40 characters.");
                    ok = false;
                }
                else if (tiers.Any(t => t.Name == tier!.Name))
                {
                    errors.Add($"tiers[{i}].name", $"'{tier!.Name}' is named twice.");
                    ok = false;
                }

                if (tier?.MinScore is not { } score || score is < 3 or > 15)
                {
                    errors.Add($"tiers[{i}].minScore", "Required: 3 to 15 (the R+F+M sum).");
                    ok = false;
                }
                else if (tiers.Count > 0 && score >= tiers[^1].MinScore)
                {
                    errors.Add($"tiers[{i}].minScore", "Tiers go highest first: must be lower than the tier before.");
                    ok = false;
                }

                if (ok)
                {
                    tiers.Add(new LoyaltyTier(tier!.Name!, tier.MinScore!.Value));
                }
            }
        }

        return errors.IsEmpty
            ? new LoyaltyRules { Currency = currency!, RecencyDays = recency, FrequencyOrders = frequency, MonetaryCents = monetary, Tiers = tiers }
            : null;
    }

    private static List<int> Ascending(IReadOnlyList<int>? values, string field, int min, int max, ValidationErrors errors)
    {
        if (values is not { Count: Thresholds })
        {
            errors.Add(field, $"Required: {Thresholds} ascending whole numbers from {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}.");
            return [];
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] < min || values[i] > max)
            {
                errors.Add($"{field}[{i}]", $"Must be from {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}.");
            }
            else if (i > 0 && values[i] <= values[i - 1])
            {
                errors.Add($"{field}[{i}]", "Must be greater than the one before.");
            }
        }

        return [.. values];
    }
}

/// <summary>A loyalty tier: its name and the R+F+M sum from which a contact is in it.</summary>
public sealed record LoyaltyTier(string Name, int MinScore);
