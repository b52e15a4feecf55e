using Crm.Leads.Leads;
using Crm.Leads.Prediction;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Crm.Leads.Tests.Prediction;

/// <summary>The <c>prediction-train</c> timer with a fake clock: each run schedules the next one <c>RetrainEvery</c> later.</summary>
public sealed class TrainingScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Each_training_run_schedules_the_next_one_RetrainEvery_later()
    {
        await using var store = await TestStore.CreateAsync(Backend.Sqlite, "leads", LeadCollections.Leads, PredictionCollections.Models);
        var time = new FakeTimeProvider(T0);
        var every = TimeSpan.FromHours(6);
        using var predictor = new ConversionPredictor(store.Store, time);
        var training = new TrainConversionModel(Options.Create(new PredictionOptions { RetrainEvery = every }), predictor, NullLogger<TrainConversionModel>.Instance);
        var timerId = TimerRecord.IdOf(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey);

        var first = store.NewUnit(time);
        await training.HandleAsync(new DueTimer(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey, T0, null, 0), first, default);
        await first.CommitAsync();

        var next = (await store.Store.GetAsync(PlatformCollections.Timers, timerId))!;
        Assert.Equal(T0 + every, next.DueAt);
        var model = (await store.Store.GetAsync(PredictionCollections.Models, StoredModel.CurrentId))!;
        Assert.Equal(("insufficient-history", 1L), (model.Status, model.Version));
        time.SetUtcNow(T0 + every - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await store.Store.CountAsync(PlatformQueries.DueTimers(time.GetUtcNow())));
        time.SetUtcNow(T0 + every);
        Assert.Equal(1, await store.Store.CountAsync(PlatformQueries.DueTimers(time.GetUtcNow())));

        // Fired when due, it comes back again RetrainEvery later.
        var second = store.NewUnit(time);
        await training.HandleAsync(new DueTimer(next.Kind, next.Key, next.DueAt, next.Payload, 0), second, default);
        await second.CommitAsync();

        Assert.Equal(T0 + every + every, (await store.Store.GetAsync(PlatformCollections.Timers, timerId))!.DueAt);
        Assert.Equal(2L, (await store.Store.GetAsync(PredictionCollections.Models, StoredModel.CurrentId))!.Version);
    }

    /// <summary>
    /// A read of the model while a training's unit is not committed yet (a GET between the handler and the commit) must
    /// not keep the old model for <see cref="ConversionPredictor.CheckEvery"/>: the cache is dropped after the commit.
    /// </summary>
    [Fact]
    public async Task A_read_while_a_training_commits_does_not_keep_the_old_model()
    {
        await using var store = await TestStore.CreateAsync(Backend.Sqlite, "leads", LeadCollections.Leads, PredictionCollections.Models);
        var time = new FakeTimeProvider(T0);
        using var predictor = new ConversionPredictor(store.Store, time);
        var training = new TrainConversionModel(Options.Create(new PredictionOptions()), predictor, NullLogger<TrainConversionModel>.Instance);
        var first = store.NewUnit(time);
        await training.HandleAsync(new DueTimer(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey, T0, null, 0), first, default);
        await first.CommitAsync();
        Assert.Equal(1L, (await predictor.CurrentAsync(default)).Stored!.Version);

        var second = store.NewUnit(time);
        await training.HandleAsync(new DueTimer(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey, T0, null, 0), second, default);
        Assert.Equal(1L, (await predictor.CurrentAsync(default)).Stored!.Version); // read in between: the stored model is still the first
        await second.CommitAsync();

        Assert.Equal(2L, (await predictor.CurrentAsync(default)).Stored!.Version);
    }
}
