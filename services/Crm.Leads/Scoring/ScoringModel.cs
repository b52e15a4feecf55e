using Crm.Contracts.Api;

namespace Crm.Leads.Scoring;

/// <summary>What the scoring rules look at: what is known about the lead (fit) and its signals (engagement).</summary>
public sealed record ScoringSubject
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Interest { get; init; }
    public string? Region { get; init; }
    public decimal? BudgetAmount { get; init; }
    public DateOnly? DecisionDate { get; init; }
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<SignalBucket> Signals { get; init; } = [];
}

/// <summary>
/// One rule that gave points, with why (one line of a score's breakdown, stored in the lead's document).
/// <see cref="Part"/> says whether the points are engagement or fit, <see cref="BasePoints"/> what the rule gave
/// before decay (null when decay took nothing), <see cref="At"/> the latest signal the rule counted (null for fit).
/// </summary>
public sealed record ScoreItem(string Rule, int Points, string Detail)
{
    public string? Part { get; init; }
    public int? BasePoints { get; init; }
    public DateTimeOffset? At { get; init; }
}

/// <summary>
/// A score (engagement plus fit, clamped to 0..max), its grade, every point explained (one line per rule that gave
/// points, in rule order) and when time alone would change it next (null: never).
/// </summary>
public sealed record ScoreOutcome(
    int Score,
    int Engagement,
    int Fit,
    Grade Grade,
    IReadOnlyList<ScoreItem> Breakdown,
    DateTimeOffset? NextReviewAt);

/// <summary>The values of <c>ScoringRule.Kind</c>.</summary>
public static class RuleKinds
{
    /// <summary>Counts signals: engagement.</summary>
    public const string Signal = "signal";

    /// <summary>Tests what is known about the lead: fit.</summary>
    public const string Fit = "fit";
}

/// <summary>The values of <c>ScoringRule.Count</c> (signal rules).</summary>
public static class CountModes
{
    /// <summary>Every signal counts (the default).</summary>
    public const string Each = "each";

    /// <summary>Only the most recent signal counts, once.</summary>
    public const string Latest = "latest";

    /// <summary>Only the first signal ever counts, once.</summary>
    public const string Once = "once";
}

/// <summary>The values of <c>ScoringRule.Test</c> (fit rules).</summary>
public static class FitTests
{
    public const string Complete = "complete";
    public const string BudgetAtLeast = "budget-at-least";
    public const string DecisionWithin = "decision-within";
    public const string ValueIn = "value-in";
}

/// <summary>The values of <see cref="ScoreItem.Part"/>.</summary>
public static class ScoreParts
{
    public const string Engagement = "engagement";
    public const string Fit = "fit";
}
