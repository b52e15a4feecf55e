using System.Collections.Concurrent;
using Crm.Leads.Prediction;
using Xunit;

namespace Crm.Leads.Tests.Prediction;

/// <summary>One model trained once for the class on the generated history (small trees keep it well under a second).</summary>
public sealed class TrainedConversionModel
{
    public static readonly TrainingOptions Options = new() { Trees = 30, Leaves = 8, Seed = 7 };

    public TrainedConversionModel()
    {
        History = ConversionHistory.Generate(2000, seed: 11);
        (Model, Report) = ConversionModel.Train(History, Options);
    }

    public IReadOnlyList<LabeledLead> History { get; }

    public ConversionModel Model { get; }

    public TrainingReport Report { get; }
}

public sealed class ConversionModelTests(TrainedConversionModel trained) : IClassFixture<TrainedConversionModel>
{
    [Fact]
    public void Training_on_a_known_signal_ranks_the_holdout_well()
    {
        var report = trained.Report;

        Assert.True(report.Auc > 0.75, $"holdout AUC {report.Auc}");
        var wonShare = trained.History.Count(lead => lead.Won) / (double)trained.History.Count;
        var baseRateBits = -(wonShare * Math.Log2(wonShare)) - ((1 - wonShare) * Math.Log2(1 - wonShare));
        Assert.InRange(report.LogLoss, 0.0, baseRateBits - 0.1);
        Assert.Equal(trained.History.Count, report.TrainCount + report.HoldoutCount);
        Assert.Equal(trained.History.Count(lead => lead.Won), report.Won);
        Assert.Equal(trained.History.Count(lead => !lead.Won), report.Lost);
        Assert.InRange(report.HoldoutCount, 395, 405);
        Assert.True(report.Duration > TimeSpan.Zero);
    }

    [Fact]
    public void A_lead_with_the_strong_features_gets_a_higher_probability_than_one_without()
    {
        var strong = trained.Model.Predict(ConversionHistory.Strong());
        var weak = trained.Model.Predict(ConversionHistory.Weak());

        Assert.InRange(strong.Probability, 0f, 1f);
        Assert.InRange(weak.Probability, 0f, 1f);
        Assert.True(strong.Probability > 0.7f, $"strong {strong.Probability}");
        Assert.True(weak.Probability < 0.3f, $"weak {weak.Probability}");
    }

    [Fact]
    public void Probabilities_are_calibrated_on_the_generated_history()
    {
        // Mean predicted probability against the true one, per band of the true probability.
        var leads = ConversionHistory.Generate(2000, seed: 99);
        foreach (var band in leads.GroupBy(lead => (int)(ConversionHistory.TrueProbability(lead.Features) * 4)).Where(group => group.Count() > 100))
        {
            var predicted = band.Average(lead => trained.Model.Predict(lead.Features).Probability);
            var truth = band.Average(lead => ConversionHistory.TrueProbability(lead.Features));
            Assert.True(Math.Abs(predicted - truth) < 0.1, $"band {band.Key}: predicted {predicted:0.000}, true {truth:0.000}");
        }
    }

    [Fact]
    public void Top_factors_name_the_features_that_matter_with_their_direction()
    {
        var strong = trained.Model.Predict(ConversionHistory.Strong()).TopFactors;
        var weak = trained.Model.Predict(ConversionHistory.Weak()).TopFactors;

        Assert.Equal(3, strong.Count);
        Assert.Equal(3, weak.Count);
        string[] signal = ["channel", "calls", "minutesToFirstTouch"];
        Assert.All(strong, factor => Assert.Contains(factor.Feature, signal));
        Assert.All(weak, factor => Assert.Contains(factor.Feature, signal));
        Assert.All(strong, factor => Assert.True(factor.Contribution > 0, $"{factor} should raise the chance"));
        Assert.All(weak, factor => Assert.True(factor.Contribution < 0, $"{factor} should lower the chance"));
        Assert.Equal(1f, strong.Max(factor => Math.Abs(factor.Contribution)));
        Assert.True(strong.Zip(strong.Skip(1)).All(pair => Math.Abs(pair.First.Contribution) >= Math.Abs(pair.Second.Contribution)));

        Assert.Contains("channel is whatsapp raises the chance", strong.Select(factor => factor.Text));
        Assert.Contains("calls = 4 raises the chance", strong.Select(factor => factor.Text));
        Assert.Contains("minutes to first touch = 600 lowers the chance", weak.Select(factor => factor.Text));
        Assert.Contains("channel is web lowers the chance", weak.Select(factor => factor.Text));
    }

    [Fact]
    public void Texts_use_the_invariant_format_and_name_unknown_values()
    {
        var never = trained.Model.Predict(ConversionHistory.Weak() with { MinutesToFirstTouch = null }).TopFactors;
        var fractional = trained.Model.Predict(ConversionHistory.Strong() with { Calls = 4.25f }).TopFactors;

        Assert.Contains("never touched lowers the chance", never.Select(factor => factor.Text));
        Assert.Contains("calls = 4.25 raises the chance", fractional.Select(factor => factor.Text));
    }

    [Fact]
    public void An_unknown_budget_is_learned_from_not_dropped()
    {
        // FastTree drops training rows with a NaN feature; a third of the history has no budget and it lowers the chance.
        var known = trained.Model.Predict(ConversionHistory.Weak() with { Calls = 2, MinutesToFirstTouch = 30 });
        var unknown = trained.Model.Predict(ConversionHistory.Weak() with { Calls = 2, MinutesToFirstTouch = 30, BudgetAmount = null });

        Assert.True(unknown.Probability < known.Probability - 0.05f, $"unknown {unknown.Probability}, known {known.Probability}");
    }

    [Fact]
    public void Categories_are_compared_trimmed_and_lower_cased_and_unseen_ones_still_predict()
    {
        var lower = trained.Model.Predict(ConversionHistory.Strong());
        var upper = trained.Model.Predict(ConversionHistory.Strong() with { Channel = " WhatsApp " });
        var unseen = trained.Model.Predict(ConversionHistory.Strong() with { Channel = "carrier-pigeon", Region = null });

        Assert.Equal(lower.Probability, upper.Probability);
        Assert.InRange(unseen.Probability, 0f, 1f);
        Assert.Contains("channel is carrier-pigeon lowers the chance", unseen.TopFactors.Select(factor => factor.Text));
    }

    [Fact]
    public void A_saved_model_loads_and_predicts_the_same()
    {
        var bytes = trained.Model.Save();
        var loaded = ConversionModel.Load(bytes);

        foreach (var lead in trained.History.Take(50).Select(lead => lead.Features).Append(ConversionHistory.Strong()))
        {
            var original = trained.Model.Predict(lead);
            var again = loaded.Predict(lead);
            Assert.Equal(original.Probability, again.Probability);
            Assert.Equal(original.TopFactors, again.TopFactors);
        }
    }

    [Fact]
    public void Bytes_that_are_no_model_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ConversionModel.Load([1, 2, 3]));
    }

    [Fact]
    public void The_same_history_and_seed_train_the_same_model()
    {
        var history = trained.History.Take(1000).ToList();
        var options = TrainedConversionModel.Options with { Trees = 10 };
        var (first, firstReport) = ConversionModel.Train(history, options);
        var (second, secondReport) = ConversionModel.Train(history, options);

        Assert.Equal(firstReport.Auc, secondReport.Auc);
        Assert.Equal(firstReport.LogLoss, secondReport.LogLoss);
        Assert.All(history.Take(100), lead => Assert.Equal(first.Predict(lead.Features).Probability, second.Predict(lead.Features).Probability));
    }

    [Fact]
    public void Predict_is_safe_from_parallel_threads()
    {
        var leads = trained.History.Take(200).Select(lead => lead.Features).ToArray();
        var expected = leads.Select(lead => trained.Model.Predict(lead).Probability).ToArray();
        var mismatches = new ConcurrentBag<int>();

        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var prediction = trained.Model.Predict(leads[i % leads.Length]);
            if (prediction.Probability != expected[i % leads.Length] || prediction.TopFactors.Count == 0)
            {
                mismatches.Add(i);
            }
        });

        Assert.Empty(mismatches);
    }
}

public sealed class ConversionTrainingTests
{
    [Theory]
    [InlineData(9, 200)]
    [InlineData(200, 9)]
    [InlineData(0, 50)]
    public void Fewer_than_ten_of_a_class_is_refused(int won, int lost)
    {
        var lead = ConversionHistory.Strong();
        var history = Enumerable.Repeat(new LabeledLead(lead, true), won).Concat(Enumerable.Repeat(new LabeledLead(lead, false), lost)).ToList();

        var error = Assert.Throws<ArgumentException>(() => ConversionModel.Train(history));
        Assert.Equal("history", error.ParamName);
        Assert.Contains($"{won} won and {lost} lost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        var history = ConversionHistory.Generate(100, seed: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => ConversionModel.Train(history, new TrainingOptions { HoldoutFraction = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConversionModel.Train(history, new TrainingOptions { Trees = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConversionModel.Train(history, new TrainingOptions { LearningRate = double.NaN }));
    }

    [Fact]
    public void The_holdout_is_a_seeded_stratified_share_of_each_class()
    {
        var history = ConversionHistory.Generate(1000, seed: 3);
        var won = history.Count(lead => lead.Won);
        var options = new TrainingOptions { HoldoutFraction = 0.25, Seed = 5 };

        var holdout = ConversionModel.HoldoutIndices(history, options);

        Assert.Equal((int)Math.Round(won * 0.25, MidpointRounding.AwayFromZero), holdout.Count(i => history[i].Won));
        Assert.Equal((int)Math.Round((1000 - won) * 0.25, MidpointRounding.AwayFromZero), holdout.Count(i => !history[i].Won));
        Assert.Equal(holdout, ConversionModel.HoldoutIndices(history, options));
        Assert.NotEqual(holdout, ConversionModel.HoldoutIndices(history, options with { Seed = 6 }));
    }

    [Fact]
    public void A_small_history_keeps_each_class_on_both_sides()
    {
        var history = ConversionHistory.Generate(300, seed: 4);
        var tenWon = history.Where(lead => lead.Won).Take(10).Concat(history.Where(lead => !lead.Won).Take(40)).ToList();

        var (_, report) = ConversionModel.Train(tenWon, new TrainingOptions { HoldoutFraction = 0.01, Trees = 5, Leaves = 4, MinExamplesPerLeaf = 2 });

        Assert.Equal(2, report.HoldoutCount);
        Assert.Equal(48, report.TrainCount);
    }
}
