using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Prediction;

/// <summary>Config section <c>Prediction</c>.</summary>
public sealed class PredictionOptions
{
    public const string Section = "Prediction";

    /// <summary>Closed (won or lost) leads needed before a model is trained (and at least 10 of each).</summary>
    public int MinClosed { get; set; } = 200;

    /// <summary>How often the model is trained again (durable timer <c>prediction-train</c>).</summary>
    public TimeSpan RetrainEvery { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The newest closed leads trained on, at most.</summary>
    public int MaxHistory { get; set; } = 50_000;

    public bool IsValid => MinClosed >= 2 * ConversionModel.MinimumPerClass && RetrainEvery >= TimeSpan.FromMinutes(1) && MaxHistory >= MinClosed;
}

/// <summary>The trained model and how it was trained (collection <c>prediction_models</c>, id <c>current</c>), shared by every replica.</summary>
public sealed record StoredModel : IDocument
{
    public const string CurrentId = "current";

    public required string Id { get; init; }
    /// <summary><c>trained</c> or <c>insufficient-history</c>.</summary>
    public required string Status { get; init; }
    public string? Model { get; init; }
    public required DateTimeOffset At { get; init; }
    public int Closed { get; init; }
    public int Won { get; init; }
    public int Lost { get; init; }
    public double? Auc { get; init; }
    public double? LogLoss { get; init; }
    public int TrainCount { get; init; }
    public int HoldoutCount { get; init; }
    public double TrainingMs { get; init; }
    public long Version { get; init; } = 1;
}

public static class PredictionCollections
{
    public static readonly DocumentCollection<StoredModel> Models = new("prediction_models");

    /// <summary>Closed leads, newest first (what the model learns from).</summary>
    public static Query<Lead> Closed() =>
        LeadCollections.Leads.Find(Filter<Lead>.In(x => x.Status, [LeadStatus.Won, LeadStatus.Lost])).OrderByDescending(x => x.ClosedAt);
}

/// <summary>
/// Durable timer <c>prediction-train</c> (key <c>model</c>): trains the conversion model on this company's newest closed
/// leads (<see cref="PredictionOptions.MaxHistory"/>) once there are <see cref="PredictionOptions.MinClosed"/>, stores
/// it with its holdout AUC, and comes back after <see cref="PredictionOptions.RetrainEvery"/>. Below the threshold it
/// records that there is not enough history (and tries again on schedule).
/// </summary>
public sealed class TrainConversionModel(IOptions<PredictionOptions> options, ConversionPredictor predictor, ILogger<TrainConversionModel> logger) : ITimerHandler
{
    public const string TimerKind = "prediction-train";
    public const string TimerKey = "model";

    public string Kind => TimerKind;

    public async Task HandleAsync(DueTimer timer, UnitOfWork unit, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var closed = await unit.FindAsync(PredictionCollections.Closed().Take(settings.MaxHistory), cancellationToken);
        var won = closed.Count(l => l.Status == LeadStatus.Won);
        var lost = closed.Count - won;
        var stored = await unit.GetAsync(PredictionCollections.Models, StoredModel.CurrentId, cancellationToken);
        StoredModel model;
        if (closed.Count < settings.MinClosed || won < ConversionModel.MinimumPerClass || lost < ConversionModel.MinimumPerClass)
        {
            model = (stored ?? new StoredModel { Id = StoredModel.CurrentId, Status = "insufficient-history", At = unit.Now }) with
            {
                Status = stored?.Model is null ? "insufficient-history" : stored.Status,
                Closed = closed.Count,
                Won = won,
                Lost = lost,
                At = stored?.Model is null ? unit.Now : stored.At,
            };
        }
        else
        {
            var (trained, report) = ConversionModel.Train([.. closed.Select(LeadFeatures.Labeled)]);
            logger.LogInformation("Conversion model trained on {Closed} closed leads ({Won} won): holdout AUC {Auc:0.000} in {Ms:0} ms", closed.Count, won, report.Auc, report.Duration.TotalMilliseconds);
            model = new StoredModel
            {
                Id = StoredModel.CurrentId,
                Status = "trained",
                Model = Convert.ToBase64String(trained.Save()),
                At = unit.Now,
                Closed = closed.Count,
                Won = won,
                Lost = lost,
                Auc = report.Auc,
                LogLoss = report.LogLoss,
                TrainCount = report.TrainCount,
                HoldoutCount = report.HoldoutCount,
                TrainingMs = report.Duration.TotalMilliseconds,
            };
        }

        unit.Put(PredictionCollections.Models, model with { Version = (stored?.Version ?? 0) + 1 });
        unit.Schedule(TimerKind, TimerKey, unit.Now + settings.RetrainEvery);

        // Only once stored: forgotten before, a read in between would load the old model and keep it for CheckEvery.
        unit.AfterCommit(predictor.Forget);
    }
}

/// <summary>Schedules the first training a minute after the first start (a scheduled one, the next retraining or one asked for, is left as it is).</summary>
public sealed class PredictionSchedule(IServiceScopeFactory scopes, ILogger<PredictionSchedule> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.ScheduleIfAbsent(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey, unit.Now.AddMinutes(1));
            await unit.CommitAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store is not reachable yet: the model is trained on its schedule, or at once through the admin endpoint.
            logger.LogWarning(ex, "The first training of the conversion model could not be scheduled");
        }
    }
}

/// <summary>The stored model, loaded once per training (checked every <see cref="CheckEvery"/>), for predictions.</summary>
public sealed class ConversionPredictor(IDocumentStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (StoredModel? Stored, ConversionModel? Model, DateTimeOffset CheckedAt)? _loaded;

    public void Forget() => _loaded = null;

    public void Dispose() => _gate.Dispose();

    public async Task<(StoredModel? Stored, ConversionModel? Model)> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_loaded is { } loaded && now - loaded.CheckedAt < CheckEvery)
        {
            return (loaded.Stored, loaded.Model);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.GetAsync(PredictionCollections.Models, StoredModel.CurrentId, cancellationToken);
            var model = _loaded is { Stored: { } previous, Model: { } same } && stored is not null && previous.Version == stored.Version
                ? same
                : stored?.Model is { } bytes ? ConversionModel.Load(Convert.FromBase64String(bytes)) : null;
            _loaded = (stored, model, now);
            return (stored, model);
        }
        finally
        {
            _gate.Release();
        }
    }
}
