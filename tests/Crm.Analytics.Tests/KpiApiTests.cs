using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Analytics.Customers;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Contacts;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Security;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// The KPI API's edges and the read models' merges, each test on days no other test uses (its own year): unknown KPIs,
/// bad parameters, spend entry, re-keying on merge and un-merge, the watermark.
/// </summary>
public sealed class KpiApiTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_unknown_kpi_is_404_naming_the_kpis()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/analytics/kpis/happiness", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("speed-to-lead", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_parameters_are_400_naming_each()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/analytics/kpis/conversion?from=2026-13-01&granularity=hour&groupBy=mood&touch=first&format=xml", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["format", "from", "granularity", "groupBy", "touch"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_kpi_answers_the_same_shape_on_an_empty_period()
    {
        using var client = factory.CreateClient();
        foreach (var kpi in Kpis.KpiCatalog.All)
        {
            var granularity = kpi.MonthOnly ? "&granularity=month" : string.Empty;
            var response = await client.GetAsync(new Uri($"/api/analytics/kpis/{kpi.Name}?from=2001-01-01&to=2001-01-31{granularity}", UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, kpi.Name);
            var answer = (await response.Content.ReadFromJsonAsync<KpiResponse>(CrmClient.JsonOptions))!;
            Assert.Equal((kpi.Name, "2001-01-01", "2001-01-31", kpi.ReadModel), (answer.Kpi, answer.From, answer.To, answer.Watermark.ReadModel));
            Assert.Equal(["period", "group"], answer.Columns.Take(2));
            Assert.Empty(answer.Rows);
            Assert.Equal(answer.Columns.Skip(2), answer.Totals.Values.Keys);
        }
    }

    [Fact]
    public async Task Spend_is_entered_per_channel_or_campaign_and_month_and_replaced()
    {
        using var client = factory.CreateClient();
        var request = new SpendRequest { Channel = "Ads", Period = "2002-03", Amount = new Money { Amount = "100.5", Currency = "EUR" } };

        var first = await client.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), request, CrmClient.JsonOptions);
        var second = await client.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), request with { Amount = new Money { Amount = "250.00", Currency = "EUR" } }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stored = (await second.Content.ReadFromJsonAsync<SpendResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(("channel", "ads", "2002-03", "250.00", "EUR"), (stored.Dimension, stored.Key, stored.Period, stored.Amount.Amount, stored.Amount.Currency));
        var cac = await GetKpiAsync("cac", "from=2002-03-01&to=2002-03-31&granularity=month&groupBy=channel");
        var row = Assert.Single(cac.Rows);
        Assert.Equal(("2002-03-01", "ads", 250m, 0m, (decimal?)null), (row.Period, row.Group, row.Values["spend"], row.Values["customers"], row.Values["cac"]));
    }

    [Theory]
    [InlineData("""{"period":"2002-03","amount":{"amount":"1.00","currency":"EUR"}}""", "channel")]
    [InlineData("""{"channel":"web","campaign":"x","period":"2002-03","amount":{"amount":"1.00","currency":"EUR"}}""", "campaign")]
    [InlineData("""{"channel":"web","period":"2002-3","amount":{"amount":"1.00","currency":"EUR"}}""", "period")]
    [InlineData("""{"channel":"web","period":"2002-03","amount":{"amount":"-1","currency":"EUR"}}""", "amount")]
    [InlineData("""{"channel":"web","period":"2002-03"}""", "amount")]
    [InlineData("""{"channel":"web","period":"2002-03","amount":{"amount":"1.00","currency":"EUR"},"updatedAt":"2002-03-01T00:00:00Z"}""", "updatedAt")]
    public async Task Bad_spend_is_400_naming_the_field(string body, string field)
    {
        using var client = factory.CreateClient();

        var response = await client.PutAsync(new Uri("/api/analytics/spend", UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([field], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_team_lead_reads_kpis_but_only_managers_enter_spend()
    {
        using var lead = factory.CreateClient().As(TestIdentity.Person(PersonRoles.TeamLead, rep: "r1", team: "t1"));
        using var manager = factory.CreateClient().As(TestIdentity.Person(PersonRoles.Manager));
        var spend = new SpendRequest { Campaign = "x", Period = "2002-04", Amount = new Money { Amount = "1.00", Currency = "EUR" } };

        Assert.Equal(HttpStatusCode.OK, (await lead.GetAsync(new Uri("/api/analytics/kpis/conversion", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), spend, CrmClient.JsonOptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), spend, CrmClient.JsonOptions)).StatusCode);
    }

    [Fact]
    public async Task A_merge_moves_the_orders_to_the_survivor_and_its_later_events_follow_an_unmerge_moves_them_back()
    {
        var survivor = $"s-{Guid.NewGuid():N}";
        var merged = $"m-{Guid.NewGuid():N}";
        var at = new DateTimeOffset(2003, 5, 5, 12, 0, 0, TimeSpan.Zero);
        await factory.Harness.Bus.Publish(Captured(survivor, at.AddDays(-2), "web"));
        await factory.Harness.Bus.Publish(Captured(merged, at.AddDays(-1), "sms"));
        await factory.Harness.Bus.Publish(Order(merged, at, "40.00"));
        await factory.Harness.Bus.Publish(Order(survivor, at, "10.00"));
        await PollAovAsync(v => v.Count == 2 && v["sms"] == 40m);

        var mergeId = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(1), SurvivorId = survivor, MergedIds = [merged], MergeId = mergeId });
        // One customer now, whose first touch is the survivor's web lead; an order that still names the merged contact follows the merge.
        await PollAovAsync(v => v.Count == 1 && v["web"] == 50m);
        await factory.Harness.Bus.Publish(Order(merged, at.AddHours(2), "5.00"));
        await PollAovAsync(v => v.Count == 1 && v["web"] == 55m);
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        Assert.Equal(survivor, (await store.GetAsync(CustomerCollections.Customers, merged))!.MergedInto);

        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(3), MergeId = mergeId, SurvivorId = survivor, RestoredIds = [merged] });

        await PollAovAsync(v => v.Count == 2 && v["web"] == 10m && v["sms"] == 45m);
    }

    private async Task PollAovAsync(Func<Dictionary<string, decimal?>, bool> done) =>
        await Poll.UntilAsync(
            async () => done((await GetKpiAsync("aov", "from=2003-05-05&to=2003-05-05&groupBy=channel")).Rows.ToDictionary(r => r.Group, r => r.Values["revenue"])),
            "the orders' revenue per first-touch channel",
            Timeout);

    private async Task<KpiResponse> GetKpiAsync(string kpi, string query)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri($"/api/analytics/kpis/{kpi}?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<KpiResponse>(CrmClient.JsonOptions))!;
    }

    private static LeadCaptured Captured(string contact, DateTimeOffset at, string channel) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, LeadId = $"l-{Guid.NewGuid():N}", ContactId = contact, Source = "fair", Channel = channel };

    private static OrderPlaced Order(string contact, DateTimeOffset at, string amount) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, OrderId = $"o-{Guid.NewGuid():N}", ContactId = contact, Reference = "R1", Amount = amount, Currency = "EUR", PlacedAt = at };
}
