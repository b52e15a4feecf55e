using System.Net;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>
/// <see cref="ICrmApi"/>'s lead methods against the real Leads endpoints in-process: what the client sends is what the
/// service reads, and what the service answers is what the client gives back (names, enums, headers).
/// </summary>
public sealed class ClientRoundTripTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly ICrmApi _api = CrmClient.Create(
        new CrmClientOptions { BaseAddress = factory.Server.BaseAddress, ApiKey = TestIdentity.TokenFor(TestIdentity.Admin) },
        factory.Server.CreateHandler());

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<LeadResponse> CaptureAsync(string source, int pages = 0) =>
        (await _api.CaptureLeadAsync(new CaptureLeadRequest { Email = $"{Unique("rt")}@example.com", Source = source, Channel = Channel.Web, PagesVisited = pages })).EnsureSuccess();

    [Fact]
    public async Task Leads_are_listed_changed_moved_lost_and_reopened_through_the_client()
    {
        var source = Unique("client");
        var first = await CaptureAsync(source, pages: 1);
        var lead = await CaptureAsync(source, pages: 5);

        var page = (await _api.ListLeadsAsync(source: source, sort: "-score", limit: 1)).EnsureSuccess();
        Assert.Equal([lead.Id], page.Items.Select(l => l.Id));
        var next = (await _api.ListLeadsAsync(source: source, sort: "-score", limit: 1, cursor: page.NextCursor)).EnsureSuccess();
        Assert.Equal([first.Id], next.Items.Select(l => l.Id));
        var badFilter = await _api.ListLeadsAsync(source: source, status: "maybe");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Contains("status", badFilter.GetProblem()!.Errors.Keys);

        var stale = await _api.UpdateLeadAsync(lead.Id, new UpdateLeadRequest { Interest = "solar" }, ifMatch: $"\"{lead.Version + 5}\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var changed = (await _api.UpdateLeadAsync(
            lead.Id,
            new UpdateLeadRequest { Interest = "solar", Budget = new Money { Amount = "900.00", Currency = "EUR" }, DecisionDate = new DateOnly(2026, 12, 20) },
            ifMatch: $"\"{lead.Version}\"")).EnsureSuccess();
        Assert.Equal(("solar", "900.00", lead.Source), (changed.Interest, changed.Budget?.Amount, changed.Source));
        var regioned = (await _api.UpdateLeadAsync(lead.Id, new UpdateLeadRequest { Region = "north" })).EnsureSuccess();
        Assert.Equal(("north", "solar", "900.00"), (regioned.Region, regioned.Interest, regioned.Budget?.Amount)); // members left null were not sent, so not cleared
        var cleared = (await _api.PatchLeadAsync(lead.Id, new System.Text.Json.Nodes.JsonObject { ["interest"] = null })).EnsureSuccess();
        Assert.Null(cleared.Interest);
        Assert.Equal("900.00", cleared.Budget?.Amount);

        var refused = await _api.MoveLeadStageAsync(lead.Id, new MoveStageRequest { Stage = "contacted" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode); // the "new" stage needs a call first

        var call = (await _api.LogLeadActivityAsync(lead.Id, new LogActivityRequest { Type = "call", Note = "reached" }, idempotencyKey: Unique("call"))).EnsureSuccess();
        var key = Unique("call");
        var once = await _api.LogLeadActivityAsync(lead.Id, new LogActivityRequest { Type = "call" }, idempotencyKey: key);
        var again = await _api.LogLeadActivityAsync(lead.Id, new LogActivityRequest { Type = "call" }, idempotencyKey: key);
        Assert.Equal((HttpStatusCode.Created, once.Content!.Id), (again.StatusCode, again.Content?.Id)); // the repeat is the first answer

        var contacted = (await _api.MoveLeadStageAsync(lead.Id, new MoveStageRequest { Stage = "contacted" })).EnsureSuccess();
        Assert.Equal("contacted", contacted.Stage);
        Assert.Equal(2, (await _api.GetLeadAsync(lead.Id)).EnsureSuccess().Activities.Count(a => a.Type == "call" && (a.Id == call.Id || a.Id == once.Content.Id)));

        var lost = (await _api.LoseLeadAsync(lead.Id, new LoseLeadRequest { Reason = "no-budget" })).EnsureSuccess();
        Assert.Equal(LeadStatus.Lost, lost.Status);
        var reopened = (await _api.ReopenLeadAsync(lead.Id, new ReopenLeadRequest())).EnsureSuccess();
        Assert.Equal((LeadStatus.Open, "contacted"), (reopened.Status, reopened.Stage));

        var pipeline = (await _api.GetPipelineAsync(reopened.PipelineId)).EnsureSuccess();
        Assert.Contains(pipeline.Stages!, s => s.Key == "contacted");
        Assert.Contains((await _api.ListPipelinesAsync()).EnsureSuccess().Items, p => p.Id == pipeline.Id);
    }

    [Fact]
    public async Task Signals_through_the_client_are_recorded_once_and_show_in_the_score_history()
    {
        var lead = await CaptureAsync(Unique("signals"));
        var signal = new SignalRequest { Id = Unique("evt"), Type = "email-click", LeadId = lead.Id };

        var recorded = (await _api.RecordSignalsAsync(new RecordSignalsRequest { Items = [signal, new SignalRequest { Id = Unique("evt"), Type = "email-click", LeadId = Unique("nobody") }] })).EnsureSuccess();
        Assert.Equal([(0, 202), (1, 404)], recorded.Results.Select(r => (r.Index, r.Status)));
        Assert.Equal(lead.Id, recorded.Results[0].LeadId);
        var repeated = (await _api.RecordSignalsAsync(new RecordSignalsRequest { Items = [signal] })).EnsureSuccess();
        Assert.Equal(200, Assert.Single(repeated.Results).Status);

        var history = (await _api.GetScoreHistoryAsync(lead.Id, limit: 50)).EnsureSuccess();
        Assert.NotEmpty(history.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetScoreHistoryAsync(Unique("nobody"))).StatusCode);
    }

    [Fact]
    public async Task A_batch_through_the_client_answers_per_item_and_a_repeat_with_its_key_replays_the_answer()
    {
        var source = Unique("batch");
        var request = new BatchCaptureRequest
        {
            Items =
            [
                new CaptureLeadRequest { Email = $"{Unique("b")}@example.com", Source = source },
                new CaptureLeadRequest { Source = source },
            ],
        };
        var key = Unique("batch");

        var first = (await _api.CaptureLeadBatchAsync(request, key)).EnsureSuccess();
        var repeat = (await _api.CaptureLeadBatchAsync(request, key)).EnsureSuccess();

        Assert.Equal([201, 400], first.Results.Select(r => r.Status));
        Assert.NotNull(first.Results[1].Errors);
        Assert.Equal(first.Results.Select(r => (r.Status, r.Id)), repeat.Results.Select(r => (r.Status, r.Id)));
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
    }
}
