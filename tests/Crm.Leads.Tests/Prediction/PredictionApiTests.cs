using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Scoring;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests.Prediction;

/// <summary>Below the threshold the API says plainly there is not enough history.</summary>
public sealed class PredictionWithoutHistoryTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    [Fact]
    public async Task Without_enough_closed_leads_there_is_no_model_and_the_api_says_why()
    {
        using var client = factory.CreateClient();
        using var admin = factory.CreateClient().As(TestIdentity.Admin);
        using var capture = await client.PostAsJsonAsync("/api/leads", new CaptureLeadRequest { Email = $"p-{Guid.NewGuid():N}@example.com", Source = "p" }, CrmClient.JsonOptions);
        var lead = (await capture.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;

        using (var train = await admin.PostAsync("/api/leads/prediction-model/train", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);
        }

        var model = await Poll.ForAsync(
            async () =>
            {
                var read = await client.GetFromJsonAsync<PredictionModelResponse>("/api/leads/prediction-model", CrmClient.JsonOptions);
                return read!.Status == "insufficient-history" ? read : null;
            },
            "the training attempt to record the missing history");
        Assert.Equal((200, 0), (model.MinClosed, model.Closed));
        Assert.Null(model.Auc);
        Assert.StartsWith("Not enough history: 0 closed leads", model.Message, StringComparison.Ordinal);

        var prediction = await client.GetFromJsonAsync<LeadPredictionResponse>($"/api/leads/{lead.Id}/prediction", CrmClient.JsonOptions);
        Assert.False(prediction!.Available);
        Assert.Null(prediction.Probability);
        Assert.Contains("a model needs 200 closed leads", prediction.Reason, StringComparison.Ordinal);
    }
}

/// <summary>With enough closed leads the model is trained on them, shows its holdout AUC and predicts open leads with their top factors.</summary>
public sealed class PredictionWithHistoryTests : IClassFixture<PredictionWithHistoryTests.Factory>
{
    private readonly Factory _factory;

    public PredictionWithHistoryTests(Factory factory) => _factory = factory;

    public sealed class Factory : LeadsApiFactory
    {
        public Factory() => Settings["Prediction:MinClosed"] = "60";
    }

    [Fact]
    public async Task The_model_learns_this_companys_history_and_explains_each_prediction()
    {
        var now = DateTimeOffset.UtcNow;
        var random = new Random(11);
        var writes = new List<WriteOperation>();
        for (var i = 0; i < 160; i++)
        {
            var whatsapp = random.NextDouble() < 0.5;
            var calls = random.Next(0, 4);
            var won = (whatsapp ? 0.6 : 0.1) + (0.1 * calls) > random.NextDouble();
            writes.Add(Write.Insert(LeadCollections.Leads, Closed(i, whatsapp, calls, won, now)));
        }

        await _factory.Store.CommitAsync(writes);
        using var client = _factory.CreateClient();
        using var admin = _factory.CreateClient().As(TestIdentity.Admin);
        (await admin.PostAsync("/api/leads/prediction-model/train", null)).Dispose();

        var model = await Poll.ForAsync(
            async () =>
            {
                var read = await client.GetFromJsonAsync<PredictionModelResponse>("/api/leads/prediction-model", CrmClient.JsonOptions);
                return read!.Status == "trained" ? read : null;
            },
            "the model to be trained");
        Assert.Equal(160, model.Closed);
        Assert.Equal(160, model.TrainCount + model.HoldoutCount);
        Assert.InRange(model.Auc!.Value, 0.6, 1.0);

        var hot = Closed(1000, whatsapp: true, calls: 3, won: false, now) with { Status = LeadStatus.Open, ClosedAt = null };
        var cold = Closed(1001, whatsapp: false, calls: 0, won: false, now) with { Status = LeadStatus.Open, ClosedAt = null };
        await _factory.Store.CommitAsync([Write.Insert(LeadCollections.Leads, hot), Write.Insert(LeadCollections.Leads, cold)]);

        var likely = await client.GetFromJsonAsync<LeadPredictionResponse>($"/api/leads/{hot.Id}/prediction", CrmClient.JsonOptions);
        var unlikely = await client.GetFromJsonAsync<LeadPredictionResponse>($"/api/leads/{cold.Id}/prediction", CrmClient.JsonOptions);
        Assert.True(likely!.Available);
        Assert.InRange(likely.Probability!.Value, 0, 1);
        Assert.True(likely.Probability > unlikely!.Probability, $"{likely.Probability} should be above {unlikely.Probability}");
        Assert.NotEmpty(likely.TopFactors);
        Assert.Contains(likely.TopFactors, f => f.Feature is "channel" or "calls");
        Assert.Equal(model.Auc, likely.ModelAuc);
    }

    private static Lead Closed(int i, bool whatsapp, int calls, bool won, DateTimeOffset now)
    {
        var captured = now.AddDays(-30).AddMinutes(i);
        var lead = new Lead
        {
            Id = Ids.New(),
            ContactId = Ids.New(),
            Email = $"h{i}.{Guid.NewGuid():N}@example.com",
            Source = "history",
            Channel = whatsapp ? Channel.Whatsapp : Channel.Web,
            Signals = calls == 0 ? [] : LeadScoring.WithSignal([], SignalTypes.Call, captured.AddHours(1), calls),
            Score = 0,
            Grade = Grade.Cold,
            CapturedAt = captured,
            Status = won ? LeadStatus.Won : LeadStatus.Lost,
            ClosedAt = captured.AddDays(5),
        };
        return lead;
    }
}
