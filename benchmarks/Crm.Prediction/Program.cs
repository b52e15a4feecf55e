using System.Diagnostics;
using System.Globalization;
using Crm.Leads.Prediction;
using Crm.Prediction;

var leads = 5000;
var seed = 7;
var predictions = 20_000;
var options = new TrainingOptions();
for (var i = 0; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : "";
    switch (args[i])
    {
        case "--leads": leads = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--predictions": predictions = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--trees": options = options with { Trees = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--leaves": options = options with { Leaves = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--min-leaf": options = options with { MinExamplesPerLeaf = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--learning-rate": options = options with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) }; break;
        default:
            Console.Error.WriteLine("""
                usage: dotnet run -c Release --project benchmarks/Crm.Prediction -- [--leads 5000] [--seed 7] [--predictions 20000]
                       [--trees 100] [--leaves 20] [--min-leaf 10] [--learning-rate 0.2]   (TrainingOptions; defaults as in the model)
                """);
            return 2;
    }
}

options = options with { Seed = seed };

var loadAtStart = LoadAverage();
Console.WriteLine($"Ground truth (labels drawn from it; every other feature is noise):\n{GroundTruth.Formula}");
var generated = GroundTruth.Generate(leads, seed);
var history = generated.Select(item => item.Lead).ToList();

// Training, with the working set sampled every 5 ms and the bytes the GC allocated on every thread.
GC.Collect();
GC.WaitForPendingFinalizers();
var workingSetBefore = Environment.WorkingSet;
var peakWorkingSet = workingSetBefore;
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
        await Task.Delay(5, CancellationToken.None);
    }
});
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var wall = Stopwatch.StartNew();
var (model, report) = ConversionModel.Train(history, options);
wall.Stop();
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
await sampling.CancelAsync();
await sampler;
peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);

// Both models on the same holdout.
var holdout = ConversionModel.HoldoutIndices(history, options).Order().ToArray();
var trained = holdout.Select(i => ((double)model.Predict(history[i].Features).Probability, history[i].Won)).ToList();
var truth = holdout.Select(i => (generated[i].TrueProbability, history[i].Won)).ToList();

// Single predictions: one thread, then two threads sharing the model.
var inputs = holdout.Select(i => history[i].Features).ToArray();
for (var i = 0; i < 10_000; i++)
{
    model.Predict(inputs[i % inputs.Length]); // warm-up: past tiered compilation
}

var allocatedBeforePredictions = GC.GetTotalAllocatedBytes(precise: true);
for (var i = 0; i < predictions; i++)
{
    model.Predict(inputs[i % inputs.Length]);
}

var allocatedPerPrediction = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBeforePredictions) / (double)predictions;

// Three rounds each, one thread and two threads taking turns, so a burst of other load on the machine hits both;
// the best round of each counts (the others are printed too).
var oneThread = new List<double>();
var twoThreads = new List<double>();
for (var round = 0; round < 3; round++)
{
    var single = Stopwatch.StartNew();
    for (var i = 0; i < predictions; i++)
    {
        model.Predict(inputs[i % inputs.Length]);
    }

    oneThread.Add(predictions / single.Elapsed.TotalSeconds);
    var parallel = Stopwatch.StartNew();
    Parallel.For(0, predictions, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => model.Predict(inputs[i % inputs.Length]));
    twoThreads.Add(predictions / parallel.Elapsed.TotalSeconds);
}

static string Rounds(List<double> perSecond) =>
    string.Create(CultureInfo.InvariantCulture, $"{perSecond.Max():N0} (rounds: {string.Join(", ", perSecond.Select(rate => rate.ToString("N0", CultureInfo.InvariantCulture)))})");

var won = history.Count(lead => lead.Won);
var rows = new (string Name, string Value)[]
{
    ("leads (train + holdout)", $"{leads:N0} ({report.TrainCount:N0} + {report.HoldoutCount:N0})"),
    ("won share", $"{won / (double)leads:P1}"),
    ("holdout AUC, trained model (ML.NET evaluator)", $"{report.Auc:0.0000}"),
    ("holdout AUC, trained model (recomputed here)", $"{Scores.Auc(trained):0.0000}"),
    ("holdout AUC, TRUE model (the ceiling)", $"{Scores.Auc(truth):0.0000}"),
    ("holdout log-loss bits, trained / TRUE", $"{report.LogLoss:0.0000} / {Scores.LogLossBits(truth):0.0000}"),
    ("training time (report / wall)", $"{report.Duration.TotalSeconds:0.00} s / {wall.Elapsed.TotalSeconds:0.00} s"),
    ("peak working set during training", $"{peakWorkingSet / 1048576.0:N0} MiB (before: {workingSetBefore / 1048576.0:N0} MiB)"),
    ("GC allocated during training", $"{allocated / 1048576.0:N0} MiB"),
    ("model size (Save)", $"{model.Save().Length / 1024.0:N0} KiB"),
    ("allocated per prediction", $"{allocatedPerPrediction / 1024:0.0} KiB"),
    ($"predictions/s, 1 thread, best of 3 x {predictions:N0}", Rounds(oneThread)),
    ($"predictions/s, 2 threads, best of 3 x {predictions:N0}", Rounds(twoThreads)),
    ("machine load average (1 min), start / end", $"{loadAtStart} / {LoadAverage()} on {Environment.ProcessorCount} cores"),
};

var title = string.Create(
    CultureInfo.InvariantCulture,
    $"seed {seed}, FastTree {options.Trees} trees x {options.Leaves} leaves, min {options.MinExamplesPerLeaf}/leaf, rate {options.LearningRate}");
var width = Math.Max(title.Length, rows.Max(row => row.Name.Length));
var valueWidth = rows.Max(row => row.Value.Length);
Console.WriteLine($"| {title.PadRight(width)} | {"".PadRight(valueWidth)} |");
Console.WriteLine($"|{new string('-', width + 2)}|{new string('-', valueWidth + 2)}|");
foreach (var (name, value) in rows)
{
    Console.WriteLine($"| {name.PadRight(width)} | {value.PadRight(valueWidth)} |");
}

return 0;

// Other processes on the machine take CPU from the measurement: the 1-minute load average says how much.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
