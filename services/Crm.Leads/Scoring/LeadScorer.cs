using System.Globalization;
using Crm.Contracts.Api;

namespace Crm.Leads.Scoring;

/// <summary>Grade thresholds (config section <c>Scoring</c>): a score above <see cref="HotAbove"/> is hot, above <see cref="WarmAbove"/> warm, else cold.</summary>
public sealed class ScoringOptions
{
    public const string Section = "Scoring";

    public int HotAbove { get; set; } = 20;
    public int WarmAbove { get; set; } = 10;

    public bool IsValid => WarmAbove >= 0 && HotAbove > WarmAbove;
}

/// <summary>What the scoring rules look at.</summary>
public sealed record ScoringInput
{
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public int PagesVisited { get; init; }
    public DateTimeOffset? LastInteractionAt { get; init; }
}

/// <summary>One rule that gave points, with why.</summary>
public sealed record ScoreItem(string Rule, int Points, string Detail);

/// <summary>A score, its grade and every point explained (only the rules that gave points).</summary>
public sealed record ScoreResult(int Score, Grade Grade, IReadOnlyList<ScoreItem> Reasons);

/// <summary>
/// The seed scoring rule, pure (no I/O, the clock is passed in): +10 when the last interaction is within the
/// last 24 h (inclusive; a timestamp in the future, clock skew, counts as within), +5 when name, e-mail and
/// phone are all given, +3 per page visited. Grades by <see cref="ScoringOptions"/>.
/// </summary>
public static class LeadScorer
{
    public const string RecentInteractionRule = "recent-interaction";
    public const string CompleteDataRule = "complete-data";
    public const string PagesVisitedRule = "pages-visited";

    public const int RecentInteractionPoints = 10;
    public const int CompleteDataPoints = 5;
    public const int PointsPerPage = 3;

    public static readonly TimeSpan RecentWindow = TimeSpan.FromHours(24);

    public static ScoreResult Score(ScoringInput input, DateTimeOffset now, ScoringOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(input.PagesVisited);
        var reasons = new List<ScoreItem>(3);

        if (input.LastInteractionAt is { } last && now - last <= RecentWindow)
        {
            reasons.Add(new ScoreItem(
                RecentInteractionRule,
                RecentInteractionPoints,
                string.Create(CultureInfo.InvariantCulture, $"last interaction at {last.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}, within 24 h")));
        }

        if (Present(input.Name) && Present(input.Email) && Present(input.Phone))
        {
            reasons.Add(new ScoreItem(CompleteDataRule, CompleteDataPoints, "name, e-mail and phone given"));
        }

        if (input.PagesVisited > 0)
        {
            var pages = input.PagesVisited == 1 ? "1 page" : string.Create(CultureInfo.InvariantCulture, $"{input.PagesVisited} pages");
            reasons.Add(new ScoreItem(
                PagesVisitedRule,
                checked(input.PagesVisited * PointsPerPage),
                string.Create(CultureInfo.InvariantCulture, $"{pages} x {PointsPerPage}")));
        }

        var score = reasons.Sum(r => r.Points);
        return new ScoreResult(score, GradeOf(score, options), reasons);
    }

    /// <summary>Above <c>HotAbove</c> is hot (equal is not), above <c>WarmAbove</c> warm, else cold.</summary>
    public static Grade GradeOf(int score, ScoringOptions options)
    {
        if (score > options.HotAbove)
        {
            return Grade.Hot;
        }

        return score > options.WarmAbove ? Grade.Warm : Grade.Cold;
    }

    private static bool Present(string? value) => !string.IsNullOrWhiteSpace(value);
}
