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

    [Fact]
    public async Task Group_by_segment_is_400_for_the_kpis_that_do_not_take_it()
    {
        using var client = factory.CreateClient();
        var others = Kpis.KpiCatalog.All.Where(k => !k.GroupBys.Contains("segment")).ToList();
        Assert.Equal(["rep-activity", "messages", "service", "cac", "revenue-by-campaign"], others.Select(k => k.Name));

        foreach (var kpi in others)
        {
            var granularity = kpi.MonthOnly ? "&granularity=month" : string.Empty;
            var response = await client.GetAsync(new Uri($"/api/analytics/kpis/{kpi.Name}?groupBy=segment{granularity}", UriKind.Relative));

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, kpi.Name);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(["groupBy"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Segment_membership_changes_group_leads_and_customers_by_the_segments_their_contacts_are_in_now()
    {
        var (a, b, c) = ($"a-{Guid.NewGuid():N}", $"b-{Guid.NewGuid():N}", $"c-{Guid.NewGuid():N}");
        var (x, y) = ($"x-{Guid.NewGuid():N}", $"y-{Guid.NewGuid():N}");
        var at = new DateTimeOffset(2004, 2, 2, 9, 0, 0, TimeSpan.Zero);
        foreach (var contact in new[] { a, b, c })
        {
            await factory.Harness.Bus.Publish(Captured(contact, at, "web"));
        }

        await factory.Harness.Bus.Publish(Order(a, at, "10.00"));
        await factory.Harness.Bus.Publish(Order(b, at, "30.00"));
        // b left x after joining it: the leave delivered first. a's join of x delivered twice (same message id) and again under a new one.
        await factory.Harness.Bus.Publish(Membership(b, x, joined: false, at.AddHours(2)));
        await factory.Harness.Bus.Publish(Membership(b, x, joined: true, at.AddHours(1)));
        var join = Membership(a, x, joined: true, at.AddHours(1));
        var messageId = NewId.NextGuid();
        await factory.Harness.Bus.Publish(join, ctx => ctx.MessageId = messageId);
        await factory.Harness.Bus.Publish(join, ctx => ctx.MessageId = messageId);
        await factory.Harness.Bus.Publish(join, ctx => ctx.MessageId = NewId.NextGuid());
        await factory.Harness.Bus.Publish(Membership(a, y, joined: true, at.AddHours(1)));

        // a counts in x and in y, b and c (in no segment now) in none; the totals count each lead and order once.
        var conversion = await PollKpiAsync("conversion", "from=2004-02-02&to=2004-02-02&groupBy=segment", r => Rows(r, "leads").Count == 3 && Rows(r, "leads").GetValueOrDefault(x) == 1);
        Assert.Equal(new Dictionary<string, decimal?> { [x] = 1, [y] = 1, ["none"] = 2 }, Rows(conversion, "leads"));
        Assert.Equal(3m, conversion.Totals.Values["leads"]);
        var aov = await PollKpiAsync("aov", "from=2004-02-02&to=2004-02-02&groupBy=segment", r => Rows(r, "revenue").Count == 3);
        Assert.Equal(new Dictionary<string, decimal?> { [x] = 10m, [y] = 10m, ["none"] = 30m }, Rows(aov, "revenue"));
        Assert.Equal((2m, 40m), (aov.Totals.Values["orders"], aov.Totals.Values["revenue"]));
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var marks = (await store.GetAsync(CustomerCollections.Customers, a))!.Segments;
        Assert.Equal([(x, true, at.AddHours(1)), (y, true, at.AddHours(1))], marks.OrderBy(m => m.SegmentId, StringComparer.Ordinal).Select(m => (m.SegmentId, m.Joined, m.At)));
    }

    [Fact]
    public async Task A_merged_contacts_segment_marks_go_to_the_survivor_its_later_changes_follow_and_an_unmerge_gives_them_back()
    {
        var (survivor, merged) = ($"s-{Guid.NewGuid():N}", $"m-{Guid.NewGuid():N}");
        var (x, y) = ($"x-{Guid.NewGuid():N}", $"y-{Guid.NewGuid():N}");
        var at = new DateTimeOffset(2005, 3, 3, 9, 0, 0, TimeSpan.Zero);
        const string Query = "from=2005-03-03&to=2005-03-03&groupBy=segment";
        await factory.Harness.Bus.Publish(Captured(survivor, at, "web"));
        await factory.Harness.Bus.Publish(Captured(merged, at, "sms"));
        await factory.Harness.Bus.Publish(Membership(survivor, x, joined: true, at));
        await factory.Harness.Bus.Publish(Membership(merged, y, joined: true, at));
        await PollKpiAsync("conversion", Query, r => Same(Rows(r, "leads"), (x, 1), (y, 1)));

        // Merged: the merged contact's lead (its fact keeps the merged id) counts with the survivor's segments, which now hold y.
        var mergeId = Guid.NewGuid().ToString("N");
        await factory.Harness.Bus.Publish(new ContactsMerged { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(1), SurvivorId = survivor, MergedIds = [merged], MergeId = mergeId });
        await PollKpiAsync("conversion", Query, r => Same(Rows(r, "leads"), (x, 2), (y, 2)));

        // Contacts then has the merged contact leave y (it no longer exists): that mark of the survivor only.
        await factory.Harness.Bus.Publish(Membership(merged, y, joined: false, at.AddHours(2)));
        await PollKpiAsync("conversion", Query, r => Same(Rows(r, "leads"), (x, 2)));
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var marks = (await store.GetAsync(CustomerCollections.Customers, survivor))!.Segments;
        Assert.Equal([(x, true, (string?)null, (string?)null), (y, false, mergeId, merged)], marks.Select(m => (m.SegmentId, m.Joined, m.MergeId, m.MergedFrom)));

        // Un-merged: the mark goes back; the restored contact joins y again.
        await factory.Harness.Bus.Publish(new ContactsUnmerged { EventId = Guid.NewGuid(), OccurredAt = at.AddHours(3), MergeId = mergeId, SurvivorId = survivor, RestoredIds = [merged] });
        await PollKpiAsync("conversion", Query, r => Same(Rows(r, "leads"), (x, 1), ("none", 1)));
        await factory.Harness.Bus.Publish(Membership(merged, y, joined: true, at.AddHours(4)));
        await PollKpiAsync("conversion", Query, r => Same(Rows(r, "leads"), (x, 1), (y, 1)));
        Assert.Equal([(x, true, (string?)null)], (await store.GetAsync(CustomerCollections.Customers, survivor))!.Segments.Select(m => (m.SegmentId, m.Joined, m.MergedFrom)));
    }

    private static Dictionary<string, decimal?> Rows(KpiResponse response, string value) =>
        response.Rows.ToDictionary(r => r.Group, r => r.Values[value], StringComparer.Ordinal);

    private static bool Same(Dictionary<string, decimal?> rows, params (string Group, decimal Value)[] expected) =>
        rows.Count == expected.Length && expected.All(e => rows.GetValueOrDefault(e.Group) == e.Value);

    private async Task<KpiResponse> PollKpiAsync(string kpi, string query, Func<KpiResponse, bool> done) =>
        await Poll.ForAsync(
            async () => await GetKpiAsync(kpi, query) is { } response && done(response) ? response : null,
            $"{kpi}?{query}",
            Timeout);

    private static SegmentMembershipChanged Membership(string contact, string segment, bool joined, DateTimeOffset at) =>
        new() { EventId = Guid.NewGuid(), OccurredAt = at, SegmentId = segment, SegmentVersion = 1, ContactId = contact, Joined = joined };

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
