using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Contracts.Assignment;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary><c>GET /api/leads</c> (filters, sorts, paging, what a rep sees) and <c>POST /api/leads/batch</c> (a result per item).</summary>
public sealed class LeadListAndBatchTests(LeadsApiFactory factory) : IClassFixture<LeadsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<LeadResponse> CaptureAsync(string source, int pages, Channel? channel = null)
    {
        using var response = await _client.PostAsJsonAsync(
            "/api/leads",
            new CaptureLeadRequest { Email = $"{Unique("list")}@example.com", Source = source, Channel = channel, PagesVisited = pages },
            CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LeadResponse>(CrmClient.JsonOptions))!;
    }

    private async Task<Page<LeadResponse>> ListAsync(string query, HttpClient? client = null)
    {
        using var response = await (client ?? _client).GetAsync($"/api/leads?{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Page<LeadResponse>>(CrmClient.JsonOptions))!;
    }

    [Fact]
    public async Task Filters_combine_and_sorts_and_cursor_paging_cover_every_lead_once()
    {
        var source = Unique("src");
        var low = await CaptureAsync(source, 1, Channel.Web);
        var high = await CaptureAsync(source, 5, Channel.Sms);
        var mid = await CaptureAsync(source, 3, Channel.Web);
        await CaptureAsync(Unique("other"), 9, Channel.Web);

        var byScore = await ListAsync($"source={source}&sort=-score");
        Assert.Equal([high.Id, mid.Id, low.Id], byScore.Items.Select(l => l.Id));
        var oldest = await ListAsync($"source={source}&sort=capturedAt");
        Assert.Equal([low.Id, high.Id, mid.Id], oldest.Items.Select(l => l.Id));
        Assert.Equal([mid.Id, low.Id], (await ListAsync($"source={source}&channel=web")).Items.Select(l => l.Id));
        Assert.Equal([mid.Id], (await ListAsync($"source={source}&scoreMin=6&scoreMax=9")).Items.Select(l => l.Id));
        Assert.Equal(3, (await ListAsync($"source={source}&stage=new&status=open&grade=cold&pipeline=default")).Items.Count + (await ListAsync($"source={source}&grade=warm")).Items.Count);
        Assert.Empty((await ListAsync($"source={source}&createdFrom={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}")).Items);

        var first = await ListAsync($"source={source}&sort=-score&limit=2");
        Assert.Equal([high.Id, mid.Id], first.Items.Select(l => l.Id));
        Assert.NotNull(first.NextCursor);
        var second = await ListAsync($"source={source}&sort=-score&limit=2&cursor={first.NextCursor}");
        Assert.Equal([low.Id], second.Items.Select(l => l.Id));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task The_created_range_is_from_inclusive_to_exclusive_and_team_names_the_owners_team()
    {
        var source = Unique("range");
        var first = await CaptureAsync(source, 1);
        await Poll.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > first.CapturedAt.AddMilliseconds(1)), "the clock to pass the first capture");
        var second = await CaptureAsync(source, 2);
        Assert.True(second.CapturedAt > first.CapturedAt);
        await factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = second.Id,
            ContactId = second.ContactId!,
            RepId = "rep-range",
            RepName = "Ran",
            TeamId = "team-range",
        });
        await Poll.UntilAsync(async () => (await ListAsync($"source={source}&owner=rep-range")).Items.Count == 1, "the assignment to be applied");

        static string At(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([first.Id], (await ListAsync($"source={source}&createdTo={At(second.CapturedAt)}")).Items.Select(l => l.Id));
        Assert.Empty((await ListAsync($"source={source}&createdTo={At(first.CapturedAt)}")).Items);
        Assert.Equal([second.Id], (await ListAsync($"source={source}&createdFrom={At(second.CapturedAt)}&createdTo={At(second.CapturedAt.AddMilliseconds(1))}")).Items.Select(l => l.Id));
        Assert.Equal([second.Id, first.Id], (await ListAsync($"source={source}&createdFrom={At(first.CapturedAt)}&createdTo={At(second.CapturedAt.AddMilliseconds(1))}")).Items.Select(l => l.Id));

        Assert.Equal([second.Id], (await ListAsync($"source={source}&team=team-range")).Items.Select(l => l.Id));
        Assert.Empty((await ListAsync($"source={source}&team=team-other")).Items);
        Assert.Empty((await ListAsync($"source={source}&team=team-range&createdTo={At(second.CapturedAt)}")).Items);
    }

    [Fact]
    public async Task Bad_filters_are_named_at_once()
    {
        using var response = await _client.GetAsync("/api/leads?grade=boiling&scoreMin=x&sort=name&createdFrom=yesterday&limit=0&color=red");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(
            ["color", "createdFrom", "grade", "limit", "scoreMin", "sort"],
            problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_rep_lists_only_their_own_leads()
    {
        var source = Unique("mine");
        var mine = await CaptureAsync(source, 1);
        await CaptureAsync(source, 2);
        await factory.Harness.Bus.Publish(new LeadAssigned
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            LeadId = mine.Id,
            ContactId = mine.ContactId!,
            RepId = "rep-list",
            RepName = "Lis",
            Grade = "cold",
            Score = 3,
        });
        await Poll.UntilAsync(async () => (await ListAsync($"source={source}&owner=rep-list")).Items.Count == 1, "the assignment to be applied");

        using var rep = factory.CreateClient().As(TestIdentity.Person("rep", rep: "rep-list"));
        Assert.Equal([mine.Id], (await ListAsync($"source={source}", rep)).Items.Select(l => l.Id));
        Assert.Empty((await ListAsync($"source={source}&owner=rep-other", rep)).Items);
        Assert.Equal(2, (await ListAsync($"source={source}")).Items.Count);
    }

    [Fact]
    public async Task A_batch_answers_each_item_and_one_person_twice_is_one_lead()
    {
        var email = $"{Unique("batch")}@example.com";
        var source = Unique("batch");
        var body = $$"""
            {"items":[
              {"email":"{{email}}","source":"{{source}}","channel":"web"},
              {"source":"{{source}}"},
              {"email":"{{email}}","source":"{{source}}","interest":"solar"},
              {"email":"{{Unique("b")}}@example.com","source":"{{source}}","phone":"call me"},
              {"email":"{{Unique("c")}}@example.com","source":"{{source}}","shoeSize":44},
              42
            ]}
            """;

        using var response = await _client.PostAsync("/api/leads/batch", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var results = (await response.Content.ReadFromJsonAsync<BatchCaptureResponse>(CrmClient.JsonOptions))!.Results;
        Assert.Equal([0, 1, 2, 3, 4, 5], results.Select(r => r.Index));
        Assert.Equal([201, 400, 200, 400, 400, 400], results.Select(r => r.Status));
        Assert.Equal(results[0].Id, results[2].Id);
        Assert.Equal(["email", "phone"], results[1].Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["phone"], results[3].Errors!.Keys);
        Assert.Equal(["shoeSize"], results[4].Errors!.Keys);
        Assert.Equal(1, await factory.LeadsFromSourceAsync(source));
        var lead = await _client.GetFromJsonAsync<LeadResponse>(results[0].Location, CrmClient.JsonOptions);
        Assert.Equal("solar", lead!.Interest);
    }

    [Fact]
    public async Task A_batch_over_1000_items_or_without_items_is_400()
    {
        var items = string.Join(",", Enumerable.Range(0, 1001).Select(i => $$"""{"email":"x{{i}}@example.com","source":"s"}"""));
        using var tooMany = await _client.PostAsync("/api/leads/batch", new StringContent($$"""{"items":[{{items}}]}""", Encoding.UTF8, "application/json"));
        using var none = await _client.PostAsync("/api/leads/batch", new StringContent("""{"leads":[]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
    }
}
