using Crm.Contracts.Api.Leads;

namespace Crm.Leads.Scoring;

/// <summary>
/// The seed scoring rule as data (version 1): +10 when the last interaction of any kind is at most 24 h old
/// (<c>recent-interaction</c>), +5 when name, e-mail and phone are given (<c>complete-data</c>), +3 per page visited
/// (<c>pages-visited</c>); grades from <see cref="ScoringOptions"/> with a hysteresis of 2.
/// </summary>
public static class DefaultScoringRules
{
    /// <summary>The hysteresis of the default grades (less when <c>WarmAbove</c> is smaller, so the set stays valid).</summary>
    public const int Hysteresis = 2;

    /// <summary>Every known signal type but the page count given at capture and a repeated capture.</summary>
    public static IReadOnlyList<string> InteractionTypes { get; } = Array.AsReadOnly(
        SignalTypes.Known.Where(t => t is not SignalTypes.CapturedPages and not SignalTypes.RepeatCapture).ToArray());

    private static readonly IReadOnlyList<string> PageTypes = Array.AsReadOnly([SignalTypes.CapturedPages, SignalTypes.PageView]);
    private static readonly IReadOnlyList<string> CompleteFields = Array.AsReadOnly([ScoringFields.Name, ScoringFields.Email, ScoringFields.Phone]);
    private static readonly IReadOnlyList<DecayStep> GoneAfter24Hours = Array.AsReadOnly([new DecayStep { AfterHours = 24, Factor = 0 }]);

    /// <summary>The seed rules, graded by <paramref name="options"/>.</summary>
    public static ScoringRuleSet For(ScoringOptions options) => new()
    {
        Version = 1,
        Rules =
        [
            new ScoringRule
            {
                Name = LeadScorer.RecentInteractionRule,
                Kind = RuleKinds.Signal,
                Points = LeadScorer.RecentInteractionPoints,
                Types = InteractionTypes,
                Count = CountModes.Latest,
                Unit = "interaction",
                Decay = new ScoreDecay { Steps = GoneAfter24Hours },
            },
            new ScoringRule
            {
                Name = LeadScorer.CompleteDataRule,
                Kind = RuleKinds.Fit,
                Points = LeadScorer.CompleteDataPoints,
                Test = FitTests.Complete,
                Fields = CompleteFields,
            },
            new ScoringRule
            {
                Name = LeadScorer.PagesVisitedRule,
                Kind = RuleKinds.Signal,
                Points = LeadScorer.PointsPerPage,
                Types = PageTypes,
                Count = CountModes.Each,
                Unit = "page",
            },
        ],
        Grades = new GradeThresholds
        {
            HotAbove = options.HotAbove,
            WarmAbove = options.WarmAbove,
            Hysteresis = Math.Clamp(options.WarmAbove, 0, Hysteresis),
        },
        MaxScore = 100,
    };
}
