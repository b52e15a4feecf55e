using System.Globalization;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;

namespace Crm.Leads.Scoring;

/// <summary>
/// Scores a lead by a <see cref="ScoringRuleSet"/>, pure (no I/O; the clock is passed in, so decay is testable).
/// Signal rules give engagement, fit rules fit; each rule gives an integer (the rounded sum of its signals' points
/// after decay) and one breakdown line when that is not zero. The score is engagement plus fit clamped to
/// 0..<c>MaxScore</c>; the grade has hysteresis against the previous one. The rule set is expected to be valid
/// (<see cref="ScoringRuleSetValidation"/>): a rule of an unknown kind, count or test gives nothing.
/// </summary>
public static class ScoreEngine
{
    /// <summary>While a half-life line has points, the outcome is reviewed at least this often.</summary>
    public static readonly TimeSpan MaxReviewInterval = TimeSpan.FromHours(24);

    /// <summary>
    /// A step boundary is reviewed this long after <c>signal + afterHours</c>, so the step is strictly exceeded then
    /// (a millisecond, not a tick: it survives stores that keep times to the millisecond).
    /// </summary>
    public static readonly TimeSpan StepMargin = TimeSpan.FromMilliseconds(1);

    private const string DefaultUnit = "signal";
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Scores <paramref name="subject"/> at <paramref name="now"/>; <paramref name="previousGrade"/> (null for a new lead) gives the hysteresis.</summary>
    public static ScoreOutcome Score(ScoringSubject subject, ScoringRuleSet rules, DateTimeOffset now, Grade? previousGrade)
    {
        var ruleList = rules.Rules;
        var breakdown = new List<ScoreItem>(ruleList.Count);
        var review = new ReviewClock(now);
        long engagement = 0;
        long fit = 0;

        for (var i = 0; i < ruleList.Count; i++)
        {
            var rule = ruleList[i];
            if (rule.Points == 0)
            {
                continue;
            }

            switch (rule.Kind)
            {
                case RuleKinds.Signal when ScoreSignals(rule, subject.Signals, now, review) is { } line:
                    breakdown.Add(line);
                    engagement += line.Points;
                    break;
                case RuleKinds.Fit when ScoreFit(rule, subject, now, review) is { } line:
                    breakdown.Add(line);
                    fit += line.Points;
                    break;
                default:
                    break;
            }
        }

        var maxScore = Math.Max(0, rules.MaxScore);
        var score = (int)Math.Clamp(engagement + fit, 0, maxScore);
        var grade = GradeOf(score, rules.Grades, previousGrade);
        var next = review.NextReviewAt(engagement + fit, maxScore, rules.Grades, grade);
        return new ScoreOutcome(score, ToInt(engagement), ToInt(fit), grade, breakdown, next);
    }

    /// <summary>
    /// The grade of <paramref name="score"/>: with no previous grade hot above <c>HotAbove</c>, warm above
    /// <c>WarmAbove</c>, else cold. Moving up happens at those thresholds; moving down only once the score is at or
    /// below the threshold minus <c>Hysteresis</c> (a hot lead stays hot while above <c>HotAbove - Hysteresis</c>, a
    /// warm or hot one stays at least warm while above <c>WarmAbove - Hysteresis</c>).
    /// </summary>
    public static Grade GradeOf(int score, GradeThresholds grades, Grade? previousGrade)
    {
        var plain = score > grades.HotAbove ? Grade.Hot : score > grades.WarmAbove ? Grade.Warm : Grade.Cold;
        if (previousGrade is not { } previous || plain >= previous)
        {
            return plain;
        }

        if (previous == Grade.Hot && score > grades.HotAbove - grades.Hysteresis)
        {
            return Grade.Hot;
        }

        return score > grades.WarmAbove - grades.Hysteresis ? Grade.Warm : Grade.Cold;
    }

    private static ScoreItem? ScoreSignals(ScoringRule rule, IReadOnlyList<SignalBucket> signals, DateTimeOffset now, ReviewClock review)
    {
        if (rule.Types is not { Count: > 0 })
        {
            return null;
        }

        return (rule.Count ?? CountModes.Each) switch
        {
            CountModes.Each => ScoreEach(rule, signals, now, review),
            CountModes.Latest => ScoreOne(rule, signals, now, review, latest: true),
            CountModes.Once => ScoreOne(rule, signals, now, review, latest: false),
            _ => null,
        };
    }

    /// <summary>Every signal of the rule's types: Count x Points per bucket, capped per UTC day, decayed per bucket by its last signal.</summary>
    private static ScoreItem? ScoreEach(ScoringRule rule, IReadOnlyList<SignalBucket> signals, DateTimeOffset now, ReviewClock review)
    {
        var types = rule.Types!;
        var decay = rule.Decay;
        var cap = rule.DailyCap is > 0 ? rule.DailyCap : null;

        Dictionary<DateOnly, long>? perDay = null;
        if (cap is not null)
        {
            perDay = [];
            for (var i = 0; i < signals.Count; i++)
            {
                var bucket = signals[i];
                if (Counts(types, bucket))
                {
                    perDay[bucket.Day] = perDay.GetValueOrDefault(bucket.Day) + ((long)bucket.Count * rule.Points);
                }
            }

            if (perDay.Count == 0)
            {
                return null;
            }
        }

        long count = 0;
        long baseTotal = 0;
        var capped = false;
        var decayed = 0.0;
        var halfLife = new HalfLifeSums();
        DateTimeOffset? at = null;
        DateTimeOffset? next = null;

        for (var i = 0; i < signals.Count; i++)
        {
            var bucket = signals[i];
            if (!Counts(types, bucket))
            {
                continue;
            }

            count += bucket.Count;
            long raw = (long)bucket.Count * rule.Points;
            double share = raw;
            if (perDay is not null && perDay[bucket.Day] is var day && Math.Abs(day) > cap!.Value)
            {
                // the day's capped points shared among its buckets in proportion, so each decays by its own time
                share = raw * (double)cap.Value / Math.Abs(day);
                capped = true;
            }

            if (perDay is null)
            {
                baseTotal += raw;
            }

            if (at is null || bucket.Last > at)
            {
                at = bucket.Last;
            }

            if (decay is not null)
            {
                var elapsed = (now - bucket.Last).Ticks;
                var factor = Decay.Factor(decay, elapsed);
                decayed += share * factor;
                halfLife.Add(decay, share, factor, elapsed, bucket.Last);
                next = Earliest(next, Decay.NextStep(decay, bucket.Last, elapsed, factor));
            }
        }

        if (at is null)
        {
            return null;
        }

        if (perDay is not null)
        {
            foreach (var day in perDay.Values)
            {
                baseTotal += Math.Clamp(day, -(long)cap!.Value, cap.Value);
            }
        }

        var points = decay is null ? ToInt(baseTotal) : Round(decayed);
        if (points == 0)
        {
            return null;
        }

        var unit = rule.Unit ?? DefaultUnit;
        var detail = count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"1 {unit} x {rule.Points}")
            : string.Create(CultureInfo.InvariantCulture, $"{count} {unit}s x {rule.Points}");
        if (capped)
        {
            detail = string.Create(CultureInfo.InvariantCulture, $"{detail}, capped at {cap} a day");
        }

        var basePoints = ToInt(baseTotal);
        if (points != basePoints)
        {
            detail = string.Create(CultureInfo.InvariantCulture, $"{detail}, decayed from {basePoints}");
        }

        review.At(next);
        halfLife.Register(review, decay, points);
        return new ScoreItem(rule.Name, points, detail)
        {
            Part = ScoreParts.Engagement,
            BasePoints = points != basePoints ? basePoints : null,
            At = at,
        };
    }

    /// <summary>One signal of the rule's types, once: the most recent (latest) or the first ever (once).</summary>
    private static ScoreItem? ScoreOne(ScoringRule rule, IReadOnlyList<SignalBucket> signals, DateTimeOffset now, ReviewClock review, bool latest)
    {
        var types = rule.Types!;
        DateTimeOffset? chosen = null;
        for (var i = 0; i < signals.Count; i++)
        {
            var bucket = signals[i];
            if (!Counts(types, bucket))
            {
                continue;
            }

            var time = latest ? bucket.Last : bucket.First;
            if (chosen is null || (latest ? time > chosen : time < chosen))
            {
                chosen = time;
            }
        }

        if (chosen is not { } at)
        {
            return null;
        }

        var decay = rule.Decay;
        var elapsed = (now - at).Ticks;
        var factor = decay is null ? 1.0 : Decay.Factor(decay, elapsed);
        var points = Round(rule.Points * factor);
        if (points == 0)
        {
            return null;
        }

        var unit = rule.Unit ?? DefaultUnit;
        var stamp = at.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        var detail = latest
            ? string.Create(CultureInfo.InvariantCulture, $"last {unit} at {stamp}")
            : string.Create(CultureInfo.InvariantCulture, $"first {unit} at {stamp}");
        if (latest && decay?.Steps is { Count: > 0 } steps && elapsed <= Decay.StepTicks(steps[0]))
        {
            detail = string.Create(CultureInfo.InvariantCulture, $"{detail}, within {Decay.Describe(steps[0].AfterHours)}");
        }

        if (points != rule.Points)
        {
            detail = string.Create(CultureInfo.InvariantCulture, $"{detail}, decayed from {rule.Points}");
        }

        if (decay is not null)
        {
            review.At(Decay.NextStep(decay, at, elapsed, factor));
            var halfLife = new HalfLifeSums();
            halfLife.Add(decay, rule.Points, factor, elapsed, at);
            halfLife.Register(review, decay, points);
        }

        return new ScoreItem(rule.Name, points, detail)
        {
            Part = ScoreParts.Engagement,
            BasePoints = points != rule.Points ? rule.Points : null,
            At = at,
        };
    }

    private static ScoreItem? ScoreFit(ScoringRule rule, ScoringSubject subject, DateTimeOffset now, ReviewClock review)
    {
        var detail = rule.Test switch
        {
            FitTests.Complete => Complete(rule, subject),
            FitTests.BudgetAtLeast => BudgetAtLeast(rule, subject),
            FitTests.DecisionWithin => DecisionWithin(rule, subject, now, review),
            FitTests.ValueIn => ValueIn(rule, subject),
            _ => null,
        };
        return detail is null ? null : new ScoreItem(rule.Name, rule.Points, detail) { Part = ScoreParts.Fit };
    }

    private static string? Complete(ScoringRule rule, ScoringSubject subject)
    {
        if (rule.Fields is not { Count: > 0 } fields)
        {
            return null;
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (!ScoringFields.IsGiven(subject, fields[i]))
            {
                return null;
            }
        }

        if (fields.Count == 1)
        {
            return ScoringFields.Label(fields[0]) + " given";
        }

        var labels = new string[fields.Count - 1];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = ScoringFields.Label(fields[i]);
        }

        return string.Join(", ", labels) + " and " + ScoringFields.Label(fields[^1]) + " given";
    }

    private static string? BudgetAtLeast(ScoringRule rule, ScoringSubject subject) =>
        subject.BudgetAmount is { } budget && rule.MinAmount is { } min && budget >= min
            ? string.Create(CultureInfo.InvariantCulture, $"budget {budget} at least {min}")
            : null;

    /// <summary>The decision date today or at most WithinDays ahead (UTC); reviewed when it enters or leaves that window.</summary>
    private static string? DecisionWithin(ScoringRule rule, ScoringSubject subject, DateTimeOffset now, ReviewClock review)
    {
        if (subject.DecisionDate is not { } date || rule.WithinDays is not { } within || within < 0)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime).DayNumber;
        var ahead = (long)date.DayNumber - today;
        if (ahead < 0)
        {
            return null;
        }

        if (ahead > within)
        {
            review.At(Midnight(date.DayNumber - within));
            return null;
        }

        if (date.DayNumber < DateOnly.MaxValue.DayNumber)
        {
            review.At(Midnight(date.DayNumber + 1));
        }

        var days = within == 1 ? "1 day" : string.Create(CultureInfo.InvariantCulture, $"{within} days");
        return string.Create(CultureInfo.InvariantCulture, $"decision on {date:yyyy-MM-dd}, within {days}");
    }

    private static string? ValueIn(ScoringRule rule, ScoringSubject subject)
    {
        if (rule.Field is not { } field || rule.Values is not { } values || ScoringFields.ValueOf(subject, field)?.Trim() is not { Length: > 0 } value)
        {
            return null;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i]?.Trim(), value, StringComparison.OrdinalIgnoreCase))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{field} is {value}");
            }
        }

        return null;
    }

    private static bool Counts(IReadOnlyList<string> types, SignalBucket bucket)
    {
        if (bucket.Count <= 0)
        {
            return false;
        }

        for (var i = 0; i < types.Count; i++)
        {
            if (string.Equals(types[i], bucket.Type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static DateTimeOffset Midnight(int dayNumber) => new(DateOnly.FromDayNumber(dayNumber), TimeOnly.MinValue, TimeSpan.Zero);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    private static int Round(double value) => ToInt(Math.Round(value, MidpointRounding.AwayFromZero));

    private static int ToInt(double value) => value >= int.MaxValue ? int.MaxValue : value <= int.MinValue ? int.MinValue : (int)value;

    private static int ToInt(long value) => (int)Math.Clamp(value, int.MinValue, int.MaxValue);

    /// <summary>Decay factors, step boundaries and their text.</summary>
    private static class Decay
    {
        private const long MaxTicks = long.MaxValue / 4;

        /// <summary>The share kept after <paramref name="elapsedTicks"/>: 1 when not elapsed (a future signal, clock skew).</summary>
        public static double Factor(ScoreDecay decay, long elapsedTicks)
        {
            if (elapsedTicks <= 0)
            {
                return 1.0;
            }

            if (decay.HalfLifeHours is { } halfLife)
            {
                return halfLife > 0 ? Math.Pow(0.5, elapsedTicks / (double)TimeSpan.TicksPerHour / halfLife) : 1.0;
            }

            var factor = 1.0;
            if (decay.Steps is { } steps)
            {
                for (var i = 0; i < steps.Count; i++)
                {
                    if (elapsedTicks > StepTicks(steps[i]))
                    {
                        factor = steps[i].Factor;
                    }
                }
            }

            return factor;
        }

        /// <summary>When the next step that changes the factor is strictly exceeded; null after the last one (or for half-life decay).</summary>
        public static DateTimeOffset? NextStep(ScoreDecay decay, DateTimeOffset signal, long elapsedTicks, double factor)
        {
            if (decay.HalfLifeHours is not null || decay.Steps is not { } steps)
            {
                return null;
            }

            for (var i = 0; i < steps.Count; i++)
            {
                var after = StepTicks(steps[i]);
                if (after >= elapsedTicks && steps[i].Factor != factor && after < MaxTicks)
                {
                    var ticks = signal.UtcTicks + after + StepMargin.Ticks;
                    return ticks < DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
                }
            }

            return null;
        }

        public static long StepTicks(DecayStep step) =>
            double.IsFinite(step.AfterHours)
                ? (long)Math.Round(Math.Clamp(step.AfterHours * TimeSpan.TicksPerHour, -MaxTicks, MaxTicks))
                : step.AfterHours > 0 ? MaxTicks : -MaxTicks;

        /// <summary><c>24 h</c>, <c>30 min</c>, <c>7 d</c> (days only beyond one day).</summary>
        public static string Describe(double hours)
        {
            if (hours > 24 && hours % 24 == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{hours / 24} d");
            }

            return hours % 1 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{hours} h")
                : string.Create(CultureInfo.InvariantCulture, $"{Math.Round(hours * 60, 2)} min");
        }
    }

    /// <summary>A half-life rule's points as a function of time: past signals decay together (one factor), future ones (clock skew) wait.</summary>
    private struct HalfLifeSums
    {
        private double _past;
        private double _future;
        private DateTimeOffset? _firstFuture;

        public void Add(ScoreDecay decay, double points, double factor, long elapsedTicks, DateTimeOffset signal)
        {
            if (decay.HalfLifeHours is null)
            {
                return;
            }

            if (elapsedTicks < 0)
            {
                _future += points;
                _firstFuture = Earliest(_firstFuture, signal);
            }
            else
            {
                _past += points * factor;
            }
        }

        public readonly void Register(ReviewClock review, ScoreDecay? decay, int points)
        {
            if (decay?.HalfLifeHours is { } hours && hours > 0 && points != 0)
            {
                review.HalfLife(new HalfLifeLine(_past, _future, hours, points));
                review.At(_firstFuture);
            }
        }
    }

    private readonly record struct HalfLifeLine(double Past, double Future, double HalfLifeHours, int Points)
    {
        public int PointsAfter(double hours) => Round(Future + (Past * Math.Pow(0.5, hours / HalfLifeHours)));
    }

    /// <summary>Collects when the outcome changes next: step boundaries and decision windows exactly, half-life lines by search.</summary>
    private sealed class ReviewClock(DateTimeOffset now)
    {
        private const int CoarseSteps = 24;

        private DateTimeOffset? _next;
        private List<HalfLifeLine>? _halfLife;

        public void At(DateTimeOffset? instant)
        {
            if (instant is { } at && at > now && (_next is null || at < _next))
            {
                _next = at;
            }
        }

        public void HalfLife(HalfLifeLine line) => (_halfLife ??= []).Add(line);

        /// <summary>
        /// The earliest discrete change; while a half-life line has points, at most <see cref="MaxReviewInterval"/>
        /// ahead, earlier when the grade changes before (found to the minute by bisection; when lines of both signs
        /// move the score both ways, within the first of 24 coarse probes that shows a change). Until the first
        /// discrete change only the half-life lines move, so the search stops there.
        /// </summary>
        public DateTimeOffset? NextReviewAt(long total, int maxScore, GradeThresholds grades, Grade grade)
        {
            if (_halfLife is null)
            {
                return _next;
            }

            var horizon = now + MaxReviewInterval;
            if (_next is { } next && next < horizon)
            {
                horizon = next;
            }

            var constant = total;
            foreach (var line in _halfLife)
            {
                constant -= line.Points;
            }

            var minutes = (long)Math.Floor((horizon - now).TotalMinutes);
            if (minutes < 1)
            {
                return horizon;
            }

            // lines of one sign move the score one way only: the grade changes at most once, bisect the whole span
            var step = Monotone() ? minutes : Math.Max(1, minutes / CoarseSteps);
            long low = 0;
            for (var probe = Math.Min(step, minutes); ; probe = Math.Min(probe + step, minutes))
            {
                if (GradeAfter(probe, constant, maxScore, grades, grade) != grade)
                {
                    return now.AddMinutes(FirstChange(low, probe, constant, maxScore, grades, grade));
                }

                if (probe == minutes)
                {
                    return horizon;
                }

                low = probe;
            }
        }

        /// <summary>The first minute in (<paramref name="low"/>, <paramref name="high"/>] with another grade (unchanged at low, changed at high).</summary>
        private long FirstChange(long low, long high, long constant, int maxScore, GradeThresholds grades, Grade grade)
        {
            while (high - low > 1)
            {
                var middle = low + ((high - low) / 2);
                if (GradeAfter(middle, constant, maxScore, grades, grade) != grade)
                {
                    high = middle;
                }
                else
                {
                    low = middle;
                }
            }

            return high;
        }

        private bool Monotone()
        {
            bool positive = false, negative = false;
            foreach (var line in _halfLife!)
            {
                positive |= line.Past > 0;
                negative |= line.Past < 0;
            }

            return !(positive && negative);
        }

        private Grade GradeAfter(long minutes, long constant, int maxScore, GradeThresholds grades, Grade grade)
        {
            var total = constant;
            var hours = minutes / 60.0;
            foreach (var line in _halfLife!)
            {
                total += line.PointsAfter(hours);
            }

            return GradeOf((int)Math.Clamp(total, 0, maxScore), grades, grade);
        }
    }
}
