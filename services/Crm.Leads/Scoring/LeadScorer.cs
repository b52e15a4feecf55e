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

/// <summary>A score, its grade and every point explained (only the rules that gave points).</summary>
public sealed record ScoreResult(int Score, Grade Grade, IReadOnlyList<ScoreItem> Reasons);

/// <summary>
/// The seed scoring rule, kept as a thin wrapper over <see cref="ScoreEngine"/> with <see cref="DefaultScoringRules"/>:
/// +10 when the last interaction is within the last 24 h (inclusive; a timestamp in the future, clock skew, counts as
/// within), +5 when name, e-mail and phone are all given, +3 per page visited; the score clamped to 0..100 and graded
/// by <see cref="ScoringOptions"/> (no previous grade).
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
        var outcome = ScoreEngine.Score(SubjectOf(input, now), DefaultScoringRules.For(options), now, previousGrade: null);
        return new ScoreResult(outcome.Score, outcome.Grade, outcome.Breakdown);
    }

    /// <summary>
    /// The subject of a capture: its identities, a <c>captured-pages</c> bucket of <see cref="ScoringInput.PagesVisited"/>
    /// dated <paramref name="now"/> and an <c>interaction</c> bucket at <see cref="ScoringInput.LastInteractionAt"/>.
    /// </summary>
    public static ScoringSubject SubjectOf(ScoringInput input, DateTimeOffset now)
    {
        var signals = new List<SignalBucket>(2);
        if (input.LastInteractionAt is { } last)
        {
            signals.Add(new SignalBucket(SignalTypes.Interaction, DateOnly.FromDateTime(last.UtcDateTime), 1, last, last));
        }

        if (input.PagesVisited > 0)
        {
            signals.Add(new SignalBucket(SignalTypes.CapturedPages, DateOnly.FromDateTime(now.UtcDateTime), input.PagesVisited, now, now));
        }

        return new ScoringSubject { Name = input.Name, Email = input.Email, Phone = input.Phone, Signals = signals };
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
}
