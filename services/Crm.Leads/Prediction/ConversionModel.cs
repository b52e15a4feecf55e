using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Transforms;

namespace Crm.Leads.Prediction;

/// <summary>
/// A predictive conversion score: ML.NET FastTree (boosted trees, binary, with its calibrated probability) over the
/// one-hot encoded categories and the numbers of <see cref="ConversionFeatures"/>, explained per lead by ML.NET's
/// feature contributions. Pure: no I/O; <see cref="Save"/> gives bytes for a document store and <see cref="Load"/>
/// reads them back on any replica. <see cref="Predict"/> is safe from any number of threads.
/// </summary>
public sealed class ConversionModel
{
    /// <summary>Each class needs at least this many leads in the history.</summary>
    public const int MinimumPerClass = 10;

    private const int TopFactorCount = 3;

    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly DataViewSchema _inputSchema;
    private readonly string[] _slotFeatures;
    private readonly ConcurrentBag<PredictionEngine<ConversionRow, ConversionOutput>> _engines = [];
    private readonly Lock _creating = new();

    private ConversionModel(MLContext ml, ITransformer model, DataViewSchema inputSchema)
    {
        _ml = ml;
        _model = model;
        _inputSchema = inputSchema;
        var features = model.GetOutputSchema(inputSchema)[ConversionRowMapping.FeaturesColumn];
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        features.GetSlotNames(ref slotNames);
        _slotFeatures = [.. slotNames.DenseValues().Select(name => ConversionRowMapping.FeatureOfSlot(name.ToString()))];

        // One engine up front: a model whose columns do not fit ConversionRow fails here (in Load), not in Predict.
        _engines.Add(CreateEngine());
    }

    /// <summary>
    /// Trains on <paramref name="history"/>: a stratified random holdout (<see cref="HoldoutIndices"/>) is kept out
    /// of training and gives the report's AUC and log-loss. Deterministic for a given history and seed.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="MinimumPerClass"/> won or lost leads.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range.</exception>
    public static (ConversionModel Model, TrainingReport Report) Train(IReadOnlyList<LabeledLead> history, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= new TrainingOptions();
        Validate(options);
        var stopwatch = Stopwatch.StartNew();

        if (history.Any(lead => lead?.Features is null))
        {
            throw new ArgumentException("Every lead of the history needs its features.", nameof(history));
        }

        var won = history.Count(lead => lead.Won);
        var lost = history.Count - won;
        if (won < MinimumPerClass || lost < MinimumPerClass)
        {
            throw new ArgumentException(
                $"Training needs at least {MinimumPerClass} won and {MinimumPerClass} lost leads; the history has {won} won and {lost} lost.",
                nameof(history));
        }

        var holdout = HoldoutIndices(history, options);
        var trainRows = new List<ConversionRow>(history.Count - holdout.Count);
        var holdoutRows = new List<ConversionRow>(holdout.Count);
        for (var i = 0; i < history.Count; i++)
        {
            var row = ConversionRowMapping.ToRow(history[i].Features, history[i].Won);
            (holdout.Contains(i) ? holdoutRows : trainRows).Add(row);
        }

        var ml = new MLContext(options.Seed);
        var trainData = ml.Data.LoadFromEnumerable(trainRows);
        var prepare = ml.Transforms.Categorical.OneHotEncoding(
                [.. ConversionRowMapping.CategoricalColumns.Select(column => new InputOutputColumnPair(column, column))],
                OneHotEncodingEstimator.OutputKind.Indicator,
                keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.Concatenate(ConversionRowMapping.FeaturesColumn, ConversionRowMapping.FeatureColumns));
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = ConversionRowMapping.LabelColumn,
            FeatureColumnName = ConversionRowMapping.FeaturesColumn,
            NumberOfTrees = options.Trees,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinExamplesPerLeaf,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
        });
        var scoring = prepare.Append(trainer).Fit(trainData);

        var scoredTrain = scoring.Transform(trainData);
        var slots = ((VectorDataViewType)scoredTrain.Schema[ConversionRowMapping.FeaturesColumn].Type).Size;
        var contributions = ml.Transforms
            .CalculateFeatureContribution(scoring.LastTransformer, numberOfPositiveContributions: slots, numberOfNegativeContributions: slots, normalize: false)
            .Fit(scoredTrain);
        var model = scoring.Append(contributions);

        var metrics = ml.BinaryClassification.Evaluate(
            model.Transform(ml.Data.LoadFromEnumerable(holdoutRows)), labelColumnName: ConversionRowMapping.LabelColumn);
        stopwatch.Stop();

        var report = new TrainingReport(
            metrics.AreaUnderRocCurve, metrics.LogLoss, trainRows.Count, holdoutRows.Count, won, lost, stopwatch.Elapsed);
        return (new ConversionModel(ml, model, trainData.Schema), report);
    }

    /// <summary>
    /// The positions in <paramref name="history"/> that <see cref="Train"/> holds out with these options: for won
    /// and lost leads separately, <see cref="TrainingOptions.HoldoutFraction"/> of them (rounded, at least one and
    /// never all), drawn at random with <see cref="TrainingOptions.Seed"/>.
    /// </summary>
    public static IReadOnlySet<int> HoldoutIndices(IReadOnlyList<LabeledLead> history, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= new TrainingOptions();
        Validate(options);
        var random = new Random(options.Seed);
        var holdout = new HashSet<int>();
        foreach (var won in new[] { true, false })
        {
            var indices = Enumerable.Range(0, history.Count).Where(i => history[i].Won == won).ToArray();
            if (indices.Length < 2)
            {
                continue;
            }

            random.Shuffle(indices);
            var take = Math.Clamp((int)Math.Round(indices.Length * options.HoldoutFraction, MidpointRounding.AwayFromZero), 1, indices.Length - 1);
            holdout.UnionWith(indices.Take(take));
        }

        return holdout;
    }

    /// <summary>The calibrated probability that the lead converts and the three features that moved it most.</summary>
    public ConversionPrediction Predict(ConversionFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        // A PredictionEngine is not thread-safe: each call takes one from the pool (or makes one) and gives it back,
        // so the pool holds as many engines as calls ever ran at once.
        var engine = _engines.TryTake(out var pooled) ? pooled : CreateEngine();
        ConversionOutput output;
        try
        {
            output = engine.Predict(ConversionRowMapping.ToRow(features));
        }
        finally
        {
            _engines.Add(engine);
        }

        return new ConversionPrediction(output.Probability, TopFactors(features, output.FeatureContributions));
    }

    /// <summary>The model as bytes (ML.NET's zip format, with its input schema); read back by <see cref="Load"/>.</summary>
    public byte[] Save()
    {
        using var stream = new MemoryStream();
        _ml.Model.Save(_model, _inputSchema, stream);
        return stream.ToArray();
    }

    /// <summary>A model from the bytes <see cref="Save"/> gave.</summary>
    /// <exception cref="ArgumentException">The bytes are not a saved conversion model.</exception>
    public static ConversionModel Load(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var ml = new MLContext();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var model = ml.Model.Load(stream, out var inputSchema);
            return new ConversionModel(ml, model, inputSchema);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentOutOfRangeException or KeyNotFoundException)
        {
            throw new ArgumentException("The bytes are not a saved conversion model.", nameof(bytes), e);
        }
    }

    private PredictionEngine<ConversionRow, ConversionOutput> CreateEngine()
    {
        lock (_creating)
        {
            return _ml.Model.CreatePredictionEngine<ConversionRow, ConversionOutput>(_model, _inputSchema);
        }
    }

    private List<ConversionFactor> TopFactors(ConversionFeatures features, float[] slotContributions)
    {
        var byFeature = new Dictionary<string, float>(StringComparer.Ordinal);
        for (var slot = 0; slot < slotContributions.Length && slot < _slotFeatures.Length; slot++)
        {
            var feature = _slotFeatures[slot];
            byFeature[feature] = byFeature.GetValueOrDefault(feature) + slotContributions[slot];
        }

        var strongest = byFeature.Values.Select(Math.Abs).DefaultIfEmpty(0f).Max();
        if (!(strongest > 0f))
        {
            return [];
        }

        return
        [
            .. byFeature
                .Where(pair => pair.Value != 0f)
                .OrderByDescending(pair => Math.Abs(pair.Value))
                .ThenBy(pair => pair.Key, StringComparer.Ordinal)
                .Take(TopFactorCount)
                .Select(pair => new ConversionFactor(
                    pair.Key,
                    pair.Value / strongest,
                    $"{ConversionRowMapping.Describe(pair.Key, features)} {(pair.Value > 0f ? "raises" : "lowers")} the chance")),
        ];
    }

    private static void Validate(TrainingOptions options)
    {
        if (!(options.HoldoutFraction > 0 && options.HoldoutFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.HoldoutFraction, "HoldoutFraction must be between 0 and 1 (exclusive).");
        }

        if (options.Trees < 1 || options.Leaves < 2 || options.MinExamplesPerLeaf < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Trees must be at least 1, Leaves at least 2, MinExamplesPerLeaf at least 1.");
        }

        if (!(options.LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, "LearningRate must be above 0.");
        }
    }
}
