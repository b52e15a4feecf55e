using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Microsoft.Extensions.Options;

namespace Crm.Leads.Prediction;

/// <summary>The predictive score: the model's state (<c>/api/leads/prediction-model</c>), a training on demand (admin), and a lead's prediction.</summary>
public static class PredictionEndpoints
{
    public static RouteGroupBuilder MapPredictionEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/prediction-model", GetModelAsync)
            .WithName("GetPredictionModel")
            .WithSummary("The predictive conversion model")
            .WithDescription("Trained on this company's own won and lost leads (FastTree, Microsoft.ML) once there are enough (`minClosed`), again every day; its AUC on a held-out fifth. Below the threshold it says plainly how much history is missing. The rule-based score is never replaced by it.")
            .Produces<PredictionModelResponse>();

        group.MapPost("/prediction-model/train", TrainAsync)
            .RequireAccess(Access.Admin)
            .WithName("TrainPredictionModel")
            .WithSummary("Train the model now")
            .WithDescription("Brings the training forward to now (it runs in the background; read `/api/leads/prediction-model`). Needs `leads:admin`.")
            .Produces<PredictionModelResponse>(StatusCodes.Status202Accepted);

        group.MapGet("/{id}/prediction", PredictAsync)
            .WithName("GetLeadPrediction")
            .WithSummary("A lead's predicted chance to be won")
            .WithDescription("A calibrated probability with the factors that moved it most; `available: false` with the reason while there is no model.")
            .Produces<LeadPredictionResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> GetModelAsync(ConversionPredictor predictor, IOptions<PredictionOptions> options, CancellationToken cancellationToken)
    {
        var (stored, _) = await predictor.CurrentAsync(cancellationToken);
        return Results.Ok(Describe(stored, options.Value));
    }

    private static async Task<IResult> TrainAsync(UnitOfWork unit, ConversionPredictor predictor, IOptions<PredictionOptions> options, CancellationToken cancellationToken)
    {
        unit.Schedule(TrainConversionModel.TimerKind, TrainConversionModel.TimerKey, unit.Now);
        await unit.CommitAsync(cancellationToken);
        var (stored, _) = await predictor.CurrentAsync(cancellationToken);
        return Results.Accepted("/api/leads/prediction-model", Describe(stored, options.Value));
    }

    private static async Task<IResult> PredictAsync(string id, HttpContext http, UnitOfWork unit, ConversionPredictor predictor, IOptions<PredictionOptions> options, CancellationToken cancellationToken)
    {
        var lead = await LeadEndpoints.VisibleLeadAsync(unit, http, id, cancellationToken);
        var (stored, model) = await predictor.CurrentAsync(cancellationToken);
        if (model is null)
        {
            return Results.Ok(new LeadPredictionResponse { Available = false, Reason = Describe(stored, options.Value).Message });
        }

        var prediction = model.Predict(LeadFeatures.Of(lead));
        return Results.Ok(new LeadPredictionResponse
        {
            Available = true,
            Probability = Math.Round(prediction.Probability, 4),
            TopFactors = [.. prediction.TopFactors.Select(f => new PredictionFactor { Feature = f.Feature, Contribution = Math.Round(f.Contribution, 3), Text = f.Text })],
            ModelTrainedAt = stored!.At,
            ModelAuc = stored.Auc,
        });
    }

    private static PredictionModelResponse Describe(StoredModel? stored, PredictionOptions options)
    {
        var message = stored switch
        {
            null => $"No model yet: the history is counted a minute after start; a model needs {options.MinClosed} closed leads, at least {ConversionModel.MinimumPerClass} won and {ConversionModel.MinimumPerClass} lost. Until then only the rule-based score is given.",
            { Model: null } => $"Not enough history: {stored.Closed} closed leads ({stored.Won} won, {stored.Lost} lost); a model needs {options.MinClosed} closed leads, at least {ConversionModel.MinimumPerClass} won and {ConversionModel.MinimumPerClass} lost. Until then only the rule-based score is given.",
            _ => $"Trained on {stored.TrainCount} of {stored.Closed} closed leads ({stored.Won} won, {stored.Lost} lost); AUC {stored.Auc:0.000} on {stored.HoldoutCount} held-out leads.",
        };
        return new PredictionModelResponse
        {
            Status = stored is null ? "not-trained-yet" : stored.Model is null ? "insufficient-history" : "trained",
            Message = message,
            MinClosed = options.MinClosed,
            Closed = stored?.Closed ?? 0,
            Won = stored?.Won ?? 0,
            Lost = stored?.Lost ?? 0,
            Auc = stored?.Auc,
            LogLoss = stored?.LogLoss,
            TrainCount = stored?.TrainCount ?? 0,
            HoldoutCount = stored?.HoldoutCount ?? 0,
            TrainingMs = stored?.TrainingMs ?? 0,
            At = stored?.At,
        };
    }
}
