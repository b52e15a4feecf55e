using Crm.Contracts.Api.Leads;
using Crm.Leads.Scoring;

namespace Crm.Leads.Tests.Scoring;

/// <summary>Builders for rule sets, rules and signals; every test passes its own <c>now</c> (the clock).</summary>
internal static class ScoringTestData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    public static ScoringRuleSet Set(params ScoringRule[] rules) => new()
    {
        Version = 1,
        Rules = rules,
        Grades = new GradeThresholds { HotAbove = 20, WarmAbove = 10, Hysteresis = 2 },
        MaxScore = 100,
    };

    public static ScoringRule Signal(
        string name,
        int points,
        string[] types,
        string? count = null,
        int? dailyCap = null,
        string? unit = null,
        ScoreDecay? decay = null) => new()
        {
            Name = name,
            Kind = RuleKinds.Signal,
            Points = points,
            Types = types,
            Count = count,
            DailyCap = dailyCap,
            Unit = unit,
            Decay = decay,
        };

    public static ScoringRule Fit(string name, int points, string test) => new() { Name = name, Kind = RuleKinds.Fit, Points = points, Test = test };

    public static ScoreDecay HalfLife(double hours) => new() { HalfLifeHours = hours };

    public static ScoreDecay Steps(params (double AfterHours, double Factor)[] steps) =>
        new() { Steps = [.. steps.Select(s => new DecayStep { AfterHours = s.AfterHours, Factor = s.Factor })] };

    /// <summary>A bucket of <paramref name="count"/> signals, all at <paramref name="at"/> (first and last).</summary>
    public static SignalBucket At(string type, DateTimeOffset at, int count = 1) =>
        new(type, DateOnly.FromDateTime(at.UtcDateTime), count, at, at);

    /// <summary>A bucket spanning <paramref name="first"/>..<paramref name="last"/> (same UTC day).</summary>
    public static SignalBucket Span(string type, DateTimeOffset first, DateTimeOffset last, int count) =>
        new(type, DateOnly.FromDateTime(first.UtcDateTime), count, first, last);

    public static ScoringSubject Subject(params SignalBucket[] signals) => new() { Email = "ana@example.com", Signals = signals };

    public static ScoreOutcome Score(ScoringRuleSet rules, ScoringSubject subject, DateTimeOffset? now = null, Contracts.Api.Grade? previous = null) =>
        ScoreEngine.Score(subject, rules, now ?? Now, previous);
}
