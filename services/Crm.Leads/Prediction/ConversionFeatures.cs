namespace Crm.Leads.Prediction;

/// <summary>
/// What the conversion model looks at for one lead. Categorical values are compared trimmed and lower-cased; a
/// null or blank one is the category <c>none</c>. A null optional number is unknown (never touched, not
/// assigned), which the model keeps apart from every real value, zero included.
/// </summary>
public sealed record ConversionFeatures
{
    /// <summary>Where the lead came from (a form, a campaign site, an import).</summary>
    public required string Source { get; init; }

    /// <summary>The channel it was captured on (<c>web</c>, <c>ads</c>, <c>whatsapp</c>, <c>sms</c>, <c>email</c>, <c>phone</c>).</summary>
    public required string Channel { get; init; }

    /// <summary>The campaign, when known.</summary>
    public string? Campaign { get; init; }

    /// <summary>The region, when known.</summary>
    public string? Region { get; init; }

    /// <summary>The product or topic of interest, when known.</summary>
    public string? Interest { get; init; }

    /// <summary>The rule-based fit part of the lead's score.</summary>
    public float FitScore { get; init; }

    /// <summary>The rule-based engagement part of the lead's score.</summary>
    public float EngagementScore { get; init; }

    /// <summary>Distinct pages visited.</summary>
    public float PagesVisited { get; init; }

    /// <summary>Page views.</summary>
    public float PageViews { get; init; }

    /// <summary>Downloads (brochures, price lists).</summary>
    public float Downloads { get; init; }

    /// <summary>Clicks on tracked links.</summary>
    public float Clicks { get; init; }

    /// <summary>Forms submitted.</summary>
    public float FormSubmits { get; init; }

    /// <summary>E-mails opened.</summary>
    public float EmailOpens { get; init; }

    /// <summary>Links clicked in e-mails.</summary>
    public float EmailClicks { get; init; }

    /// <summary>Replies from the lead.</summary>
    public float Replies { get; init; }

    /// <summary>Calls with the lead.</summary>
    public float Calls { get; init; }

    /// <summary>Cart events (items added).</summary>
    public float CartEvents { get; init; }

    /// <summary>Orders placed.</summary>
    public float Orders { get; init; }

    /// <summary>Whether a name was given.</summary>
    public bool HasName { get; init; }

    /// <summary>Whether an e-mail address was given.</summary>
    public bool HasEmail { get; init; }

    /// <summary>Whether a phone number was given.</summary>
    public bool HasPhone { get; init; }

    /// <summary>The budget the lead stated; null when unknown.</summary>
    public float? BudgetAmount { get; init; }

    /// <summary>Days until the lead means to decide; null when unknown.</summary>
    public float? DaysToDecision { get; init; }

    /// <summary>Minutes from capture to the owner's first outbound touch or call; null when never touched.</summary>
    public float? MinutesToFirstTouch { get; init; }

    /// <summary>Minutes from capture to assignment; null when not assigned.</summary>
    public float? MinutesToAssignment { get; init; }
}

/// <summary>A past lead with its outcome: <see cref="Won"/> when it converted.</summary>
public sealed record LabeledLead(ConversionFeatures Features, bool Won);

/// <summary>
/// One reason behind a prediction: the feature (its <see cref="ConversionFeatures"/> property name in camelCase,
/// e.g. <c>channel</c>), its contribution relative to the lead's strongest one (-1..1, positive raises the chance)
/// and a readable sentence (e.g. "channel is whatsapp raises the chance").
/// </summary>
public sealed record ConversionFactor(string Feature, float Contribution, string Text);

/// <summary>A calibrated probability (0..1) that the lead converts and the (up to) three factors that moved it most.</summary>
public sealed record ConversionPrediction(float Probability, IReadOnlyList<ConversionFactor> TopFactors);

/// <summary>How <see cref="ConversionModel.Train"/> splits and grows the model.</summary>
public sealed record TrainingOptions
{
    /// <summary>The share of each class held out for evaluation (0..1, exclusive).</summary>
    public double HoldoutFraction { get; init; } = 0.2;

    /// <summary>Seed of the split and of the trainer: the same history and seed give the same model.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Number of boosted trees.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Maximum leaves per tree.</summary>
    public int Leaves { get; init; } = 20;

    /// <summary>Minimum training leads in a leaf.</summary>
    public int MinExamplesPerLeaf { get; init; } = 10;

    /// <summary>Boosting learning rate (shrinkage).</summary>
    public double LearningRate { get; init; } = 0.2;
}

/// <summary>
/// How a training went: area under the ROC curve and log-loss on the holdout, as ML.NET's evaluator gives them
/// (its log-loss is in bits, log base 2, whatever its documentation says: 1.0 for a coin flip), the sizes of the
/// training set and the holdout, won and lost leads in the whole history, and the wall-clock time of the training.
/// </summary>
public sealed record TrainingReport(double Auc, double LogLoss, int TrainCount, int HoldoutCount, int Won, int Lost, TimeSpan Duration);
