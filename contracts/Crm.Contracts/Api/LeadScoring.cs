namespace Crm.Contracts.Api.Leads;

/// <summary>
/// The rules that score leads, as data: signal rules give engagement points (decaying with time when they say so), fit
/// rules give points for what is known about the lead. The score is engagement plus fit, clamped to 0..<see cref="MaxScore"/>.
/// </summary>
public sealed record ScoringRuleSet
{
    /// <summary>The rule set's version, set by the server on every change (1 for the default rules); read only.</summary>
    public int Version { get; init; }

    /// <summary>The rules, at most 50, in the order a score's breakdown lists them.</summary>
    public IReadOnlyList<ScoringRule> Rules { get; init; } = [];

    /// <summary>When a score is hot, warm or cold.</summary>
    public GradeThresholds Grades { get; init; } = new();

    /// <summary>The highest score (1..1000, default 100): engagement plus fit is clamped to 0..maxScore.</summary>
    public int MaxScore { get; init; } = 100;
}

/// <summary>
/// Grade thresholds with hysteresis: a score above <see cref="HotAbove"/> is hot, above <see cref="WarmAbove"/> warm, else
/// cold; a lead moves down a grade only once its score falls to the threshold minus <see cref="Hysteresis"/> or below.
/// </summary>
public sealed record GradeThresholds
{
    /// <summary>A score above this (not equal) is hot; must be above <see cref="WarmAbove"/>. Default 20.</summary>
    public int HotAbove { get; init; } = 20;

    /// <summary>A score above this (not equal) is warm; at least 0. Default 10.</summary>
    public int WarmAbove { get; init; } = 10;

    /// <summary>
    /// Points a hot or warm lead may fall below its threshold before it moves down (0..warmAbove, default 2): a hot
    /// lead stays hot while its score is above hotAbove - hysteresis, so a score that wobbles does not flip the grade.
    /// </summary>
    public int Hysteresis { get; init; } = 2;
}

/// <summary>
/// One scoring rule. A <c>signal</c> rule counts signals of its <see cref="Types"/> (engagement); a <c>fit</c> rule gives its
/// <see cref="Points"/> when its <see cref="Test"/> matches the lead (fit).
/// </summary>
public sealed record ScoringRule
{
    /// <summary>Unique name, lower-case words joined by hyphens, 1..60 characters (<c>recent-interaction</c>); the breakdown's <c>rule</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>signal</c> (engagement) or <c>fit</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Points per counted signal (signal rules) or when the test matches (fit rules): -100..100, not 0.</summary>
    public int Points { get; init; }

    /// <summary>Signal rules: the signal types counted (<c>page-view</c>, <c>download</c>, <c>click</c>, <c>form-submit</c>, <c>email-open</c>, <c>email-click</c>, <c>reply</c>, <c>call</c>, <c>cart-add</c>, <c>cart-abandon</c>, <c>order</c>, <c>interaction</c>, <c>captured-pages</c>, <c>repeat-capture</c>).</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>
    /// Signal rules: <c>each</c> (default: every signal counts), <c>latest</c> (only the most recent signal, once) or
    /// <c>once</c> (only the first signal ever, once).
    /// </summary>
    public string? Count { get; init; }

    /// <summary>Signal rules counting <c>each</c>: the most points (before decay, in absolute value) the rule gives per UTC day; positive.</summary>
    public int? DailyCap { get; init; }

    /// <summary>Signal rules: the noun of the breakdown's text (default <c>signal</c>; <c>page</c> gives "4 pages x 3").</summary>
    public string? Unit { get; init; }

    /// <summary>Signal rules: how points fade with the signal's age; none when absent.</summary>
    public ScoreDecay? Decay { get; init; }

    /// <summary>
    /// Fit rules: <c>complete</c> (all <see cref="Fields"/> given), <c>budget-at-least</c> (budget at least
    /// <see cref="MinAmount"/>), <c>decision-within</c> (decision date today or within <see cref="WithinDays"/> days) or
    /// <c>value-in</c> (<see cref="Field"/>'s value one of <see cref="Values"/>, ignoring case).
    /// </summary>
    public string? Test { get; init; }

    /// <summary>Fit rules testing <c>complete</c>: the fields that must be given: <c>name</c>, <c>email</c>, <c>phone</c>, <c>source</c>, <c>channel</c>, <c>budget</c>, <c>decisionDate</c>, <c>interest</c>, <c>region</c>, <c>campaign</c> or <c>fields.&lt;key&gt;</c>.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Fit rules testing <c>value-in</c>: the field compared (one of the names <see cref="Fields"/> accepts).</summary>
    public string? Field { get; init; }

    /// <summary>Fit rules testing <c>value-in</c>: the values that match (ignoring case).</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>Fit rules testing <c>budget-at-least</c>: the smallest budget that matches (in the lead's budget currency).</summary>
    public decimal? MinAmount { get; init; }

    /// <summary>Fit rules testing <c>decision-within</c>: the decision date must be today or at most this many days ahead (UTC).</summary>
    public int? WithinDays { get; init; }
}

/// <summary>How a signal rule's points fade with the signal's age: give exactly one of <see cref="HalfLifeHours"/> and <see cref="Steps"/>.</summary>
public sealed record ScoreDecay
{
    /// <summary>Points halve every this many hours (positive).</summary>
    public double? HalfLifeHours { get; init; }

    /// <summary>1..10 steps, ascending in <c>afterHours</c> with factors that never increase; a signal keeps the factor of the last step it is older than.</summary>
    public IReadOnlyList<DecayStep>? Steps { get; init; }
}

/// <summary>One step of a stepped decay: a signal more than <see cref="AfterHours"/> old keeps <see cref="Factor"/> of its points.</summary>
public sealed record DecayStep
{
    /// <summary>Hours after the signal (positive); the step applies once the signal is strictly older than this.</summary>
    public double AfterHours { get; init; }

    /// <summary>The share of the points kept, 0..1 (0 drops them).</summary>
    public double Factor { get; init; }
}

/// <summary>A background rescore of every open lead with a new rule set.</summary>
public sealed record RescoreJobResponse
{
    /// <summary>The job's id.</summary>
    public required string Id { get; init; }

    /// <summary>The rule set version it applies.</summary>
    public required int RulesVersion { get; init; }

    /// <summary><c>running</c>, <c>done</c>, or <c>superseded</c> (a newer rule set's job took over).</summary>
    public required string Status { get; init; }

    /// <summary>Open leads when it started.</summary>
    public long Total { get; init; }

    /// <summary>Leads scored so far.</summary>
    public long Done { get; init; }

    /// <summary>Leads whose score or grade moved.</summary>
    public long Changed { get; init; }

    /// <summary>When it was started.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it finished (null while running).</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>One change of a lead's score or grade.</summary>
public sealed record ScoreHistoryEntry
{
    /// <summary>When (UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The score after.</summary>
    public required int Score { get; init; }

    /// <summary>The grade after.</summary>
    public required Crm.Contracts.Api.Grade Grade { get; init; }

    /// <summary>Engagement points after.</summary>
    public int Engagement { get; init; }

    /// <summary>Fit points after.</summary>
    public int Fit { get; init; }

    /// <summary>The score before (null for the first).</summary>
    public int? PreviousScore { get; init; }

    /// <summary>The grade before (null for the first).</summary>
    public Crm.Contracts.Api.Grade? PreviousGrade { get; init; }

    /// <summary>capture, signals, repeat-capture, decay, rules or attributes.</summary>
    public required string Cause { get; init; }

    /// <summary>The rule set version.</summary>
    public int RulesVersion { get; init; }

    /// <summary>The breakdown after.</summary>
    public IReadOnlyList<ScoreLine> Breakdown { get; init; } = [];
}

/// <summary>The predictive conversion model: whether there is one, what it learnt from, and how good it is on leads it never saw.</summary>
public sealed record PredictionModelResponse
{
    /// <summary><c>trained</c>, <c>insufficient-history</c> or <c>not-trained-yet</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Plainly, for people: what the status means (e.g. how much history is missing).</summary>
    public required string Message { get; init; }

    /// <summary>Closed leads needed before a model is trained.</summary>
    public int MinClosed { get; init; }

    /// <summary>Closed leads seen at the last training attempt.</summary>
    public int Closed { get; init; }

    /// <summary>Of them won.</summary>
    public int Won { get; init; }

    /// <summary>Of them lost.</summary>
    public int Lost { get; init; }

    /// <summary>Area under the ROC curve on the held-out fifth (0.5 is a coin, 1 perfect); null until trained.</summary>
    public double? Auc { get; init; }

    /// <summary>Log-loss (bits) on the held-out fifth.</summary>
    public double? LogLoss { get; init; }

    /// <summary>Leads trained on.</summary>
    public int TrainCount { get; init; }

    /// <summary>Leads held out to measure it.</summary>
    public int HoldoutCount { get; init; }

    /// <summary>How long training took (ms).</summary>
    public double TrainingMs { get; init; }

    /// <summary>When it was trained (or the history last counted).</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>A lead's predicted chance to be won, with why.</summary>
public sealed record LeadPredictionResponse
{
    /// <summary>False when there is no model yet (see <see cref="Reason"/>).</summary>
    public required bool Available { get; init; }

    /// <summary>Calibrated probability to be won, 0..1.</summary>
    public double? Probability { get; init; }

    /// <summary>The factors that moved it most, strongest first.</summary>
    public IReadOnlyList<PredictionFactor> TopFactors { get; init; } = [];

    /// <summary>Why there is no prediction (not enough history ...).</summary>
    public string? Reason { get; init; }

    /// <summary>When the model was trained.</summary>
    public DateTimeOffset? ModelTrainedAt { get; init; }

    /// <summary>The model's holdout AUC.</summary>
    public double? ModelAuc { get; init; }
}

/// <summary>One factor of a prediction.</summary>
public sealed record PredictionFactor
{
    /// <summary>The feature (camelCase).</summary>
    public required string Feature { get; init; }

    /// <summary>Relative weight, −1..1 (the strongest is ±1): positive raises the chance.</summary>
    public required double Contribution { get; init; }

    /// <summary>For people: "channel is whatsapp raises the chance".</summary>
    public required string Text { get; init; }
}
