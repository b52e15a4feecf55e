using System.Globalization;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Storage;

namespace Crm.Analytics.Spend;

/// <summary>
/// Acquisition spend of one channel or one campaign in one calendar month (a document of <c>spend</c>, id
/// <c>{dimension}|{key}|{yyyy-MM}</c>), entered through <c>PUT /api/analytics/spend</c>: a second entry for the same
/// month replaces the first. The only input of Analytics that is not an event.
/// </summary>
public sealed record SpendEntry : IDocument
{
    public required string Id { get; init; }
    /// <summary><c>channel</c> or <c>campaign</c>.</summary>
    public required string Dimension { get; init; }
    public required string Key { get; init; }
    /// <summary>The month's first day, yyyy-MM-dd (sorts and compares as text).</summary>
    public required string Period { get; init; }
    public required string Amount { get; init; }
    public required string Currency { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Who entered it (API key id or person subject).</summary>
    public string? UpdatedBy { get; init; }
    public long Version { get; init; } = 1;

    public DateOnly Month => DateOnly.ParseExact(Period, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public decimal Value => decimal.Parse(Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static string IdOf(string dimension, string key, DateOnly month) => $"{dimension}|{key}|{month:yyyy-MM}";

    public SpendResponse ToResponse() => new()
    {
        Dimension = Dimension,
        Key = Key,
        Period = Month.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        Amount = new Money { Amount = Amount, Currency = Currency },
        UpdatedAt = UpdatedAt,
    };
}

public static class SpendCollections
{
    /// <summary>Spend entries; CAC reads the months of a period (index <c>period</c>).</summary>
    public static readonly DocumentCollection<SpendEntry> Spend = new DocumentCollection<SpendEntry>("spend")
        .Index("period", i => i.Asc(x => x.Period).Asc(x => x.Id));
}

/// <summary>Every read of spend (rendered by the catalog test).</summary>
public static class SpendQueries
{
    /// <summary>The entries of the months starting <paramref name="fromMonth"/> to <paramref name="toMonth"/> (first days, both included).</summary>
    public static Query<SpendEntry> Months(DateOnly fromMonth, DateOnly toMonth) =>
        SpendCollections.Spend.Find(
                Filter<SpendEntry>.Gte(x => x.Period, fromMonth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                & Filter<SpendEntry>.Lte(x => x.Period, toMonth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
            .OrderBy(x => x.Period);
}

/// <summary>Checks a spend request (pure): every bad field named.</summary>
public static class SpendRules
{
    public const int MaxKey = 100;

    public static SpendEntry Validate(SpendRequest request, DateTimeOffset now, string? by)
    {
        var errors = new ValidationErrors();
        var channel = request.Channel?.Trim();
        var campaign = request.Campaign?.Trim();
        if (string.IsNullOrEmpty(channel) == string.IsNullOrEmpty(campaign))
        {
            errors.Add(request.Channel is null && request.Campaign is null ? "channel" : "campaign", "Give either a channel or a campaign (not both).");
        }
        else if ((channel ?? campaign)!.Length > MaxKey)
        {
            errors.Add(channel is not null ? "channel" : "campaign", $"At most {MaxKey} characters.");
        }

        DateOnly month = default;
        if (request.Period is null || !DateOnly.TryParseExact(request.Period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month) || request.Period.Length != 7)
        {
            errors.Add("period", "A calendar month, yyyy-MM.");
        }

        if (request.Amount is null)
        {
            errors.Add("amount", "Required: { \"amount\": \"1200.00\", \"currency\": \"EUR\" }.");
        }
        else if (MoneyValues.Problem(request.Amount) is { } problem)
        {
            errors.Add("amount", problem);
        }

        errors.ThrowIfAny();
        var dimension = string.IsNullOrEmpty(channel) ? "campaign" : "channel";
        var key = dimension == "channel" ? channel!.ToLowerInvariant() : campaign!;
        return new SpendEntry
        {
            Id = SpendEntry.IdOf(dimension, key, month),
            Dimension = dimension,
            Key = key,
            Period = month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Amount = MoneyValues.Canonical(request.Amount!).Amount,
            Currency = request.Amount!.Currency,
            UpdatedAt = now,
            UpdatedBy = by,
        };
    }
}
