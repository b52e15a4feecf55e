using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Analytics;
using Crm.Testing;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// Every KPI on one generated month (<see cref="KpiHistory"/>, delivered shuffled, with redeliveries and duplicates),
/// checked against values this test computes from the generated model with its own formulas. The history lives in
/// <see cref="KpiHistory.Year"/>, which no other test uses; the fixture delivers it once.
/// </summary>
public sealed class KpiHistoryTests(KpiHistoryTests.Fixture fixture) : IClassFixture<KpiHistoryTests.Fixture>
{
    private const string Month = "from=2019-11-01&to=2019-11-30";
    private const string Quarter = "from=2019-09-01&to=2019-11-30";
    private static readonly DateOnly From = new(2019, 11, 1);
    private static readonly DateOnly To = new(2019, 11, 30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private KpiHistory History => fixture.History;

    private AnalyticsApiFactory Factory => fixture.Factory;

    /// <summary>The service and the history, delivered once for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public AnalyticsApiFactory Factory { get; } = new();

        public KpiHistory History { get; } = KpiHistory.Generate(seed: 13);

        public async Task InitializeAsync()
        {
            using var client = Factory.CreateClient();
            SpendRequest[] spend =
            [
                new() { Channel = "web", Period = "2019-11", Amount = new Money { Amount = "1000.00", Currency = "EUR" } },
                new() { Channel = "ads", Period = "2019-11", Amount = new Money { Amount = "500.00", Currency = "EUR" } },
                new() { Campaign = "spring", Period = "2019-11", Amount = new Money { Amount = "300.00", Currency = "EUR" } },
                new() { Channel = "sms", Period = "2019-11", Amount = new Money { Amount = "999.00", Currency = "USD" } },
            ];
            foreach (var request in spend)
            {
                var response = await client.PutAsJsonAsync(new Uri("/api/analytics/spend", UriKind.Relative), request, CrmClient.JsonOptions);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            foreach (var delivery in History.Deliveries(seed: 7))
            {
                await delivery(Factory.Harness.Bus);
            }
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task Conversion_is_won_over_leads_of_each_capture_cohort()
    {
        var expected = Expect(History.Leads, l => Day(l.CapturedAt), l => l.Channel, "week", ConversionValues);

        var response = await PollKpiAsync("conversion", $"{Month}&granularity=week&groupBy=channel", expected);

        Assert.Equal(["period", "group", "leads", "won", "rate"], response.Columns);
        Assert.Equal(("conversion", "2019-11-01", "2019-11-30", "week", "channel"), (response.Kpi, response.From, response.To, response.Granularity, response.GroupBy));
        Assert.Equal("lead-facts", response.Watermark.ReadModel);
        Assert.NotNull(response.Watermark.AppliedUpTo);
        Assert.True(response.Watermark.LagSeconds >= 0);
        Assert.Equal(History.Leads.Count, (int)response.Totals.Values["leads"]!);
    }

    /// <summary>Every grouping the capture cohorts serve (conversion reads them, not the lead facts), over a quarter.</summary>
    [Theory]
    [InlineData(null, "day")]
    [InlineData("source", "month")]
    [InlineData("campaign", "week")]
    [InlineData("rep", "week")]
    [InlineData("team", "month")]
    public async Task Conversion_by_every_grouping_is_won_over_leads_of_each_group(string? groupBy, string granularity)
    {
        Func<KpiHistory.Lead, string> group = groupBy switch
        {
            "source" => l => l.Source,
            "campaign" => l => l.Campaign ?? "none",
            "rep" => l => l.Owner ?? "unassigned",
            "team" => l => l.Team ?? "none",
            _ => _ => "all",
        };
        var expected = Expect(History.Leads, l => Day(l.CapturedAt), group, granularity, ConversionValues);

        var response = await PollKpiAsync("conversion", $"{Quarter}&granularity={granularity}" + (groupBy is null ? string.Empty : $"&groupBy={groupBy}"), expected);

        Assert.Equal(History.Leads.Count, (int)response.Totals.Values["leads"]!);
        // Reassigned leads count for their owner now, once.
        if (groupBy == "rep")
        {
            Assert.Contains(History.Leads, l => l.ReassignedAt is not null);
            Assert.Equal(History.Leads.Count, response.Rows.Sum(r => (int)r.Values["leads"]!));
        }
    }

    [Fact]
    public async Task The_csv_of_a_kpi_is_its_rows()
    {
        var json = await PollKpiAsync("conversion", $"{Month}&groupBy=channel", Expect(History.Leads, l => Day(l.CapturedAt), l => l.Channel, "day", ConversionValues));
        using var client = Factory.CreateClient();

        var csv = await client.GetStringAsync(new Uri($"/api/analytics/kpis/conversion?{Month}&groupBy=channel&format=csv", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/analytics/kpis/conversion?{Month}&groupBy=channel", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/csv");
        using var byAccept = await client.SendAsync(request);

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("period,group,leads,won,rate", lines[0]);
        Assert.Equal(
            json.Rows.Select(r => $"{r.Period},{r.Group},{r.Values["leads"]},{r.Values["won"]},{r.Values["rate"]?.ToString(CultureInfo.InvariantCulture)}"),
            lines.Skip(1));
        Assert.Equal("text/csv", byAccept.Content.Headers.ContentType?.MediaType);
        Assert.Equal(csv, await byAccept.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cycle_length_is_the_median_and_p90_of_hours_from_capture_to_win()
    {
        var won = History.Leads.Where(l => l.WonAt is { } w && Day(w) >= From && Day(w) <= To).ToList();
        Assert.NotEmpty(won);
        var expected = Expect(won, l => Day(l.WonAt!.Value), l => l.Owner ?? "unassigned", "month", CycleLengthValues);

        await PollKpiAsync("cycle-length", $"{Month}&granularity=month&groupBy=rep", expected);
    }

    [Fact]
    public async Task Speed_to_lead_is_capture_to_the_owners_first_touch()
    {
        var expected = Expect(History.Leads, l => Day(l.CapturedAt), l => l.Team ?? "none", "month", SpeedToLeadValues);

        var response = await PollKpiAsync("speed-to-lead", $"{Month}&granularity=month&groupBy=team", expected);

        // The reassigned leads' first rep touched them within 2 minutes; only the new owner's touch counts.
        Assert.Contains(History.Leads, l => l.ReassignedAt is not null && l.OwnerFirstTouch is not null);
        Assert.True(response.Totals.Values["touched"] > 0);
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("any")]
    public async Task The_funnel_counts_each_stage_reached_and_dropped_in_strict_and_any_order(string mode)
    {
        var expected = Expect(History.Leads, l => Day(l.CapturedAt), _ => "all", "month", leads => FunnelValues(leads, FunnelStages, strict: mode == "strict"));

        var response = await PollKpiAsync("funnel", $"{Month}&granularity=month&mode={mode}&stages={string.Join(',', FunnelStages)}", expected);

        if (mode == "any")
        {
            // Some leads skipped "contacted": in any order they still reach "qualified" and beyond.
            Assert.True(response.Totals.Values["reached:qualified"] > response.Totals.Values["reached:contacted"] - response.Totals.Values["dropped:contacted"]);
        }
    }

    [Fact]
    public async Task Sla_compliance_is_met_over_met_and_breached()
    {
        var expected = Expect(History.Leads.Where(l => l.Owner is not null), l => Day(l.CapturedAt), l => l.Owner!, "month", SlaValues);

        await PollKpiAsync("sla", $"{Month}&granularity=month&groupBy=rep", expected);
    }

    [Fact]
    public async Task Rep_activity_counts_calls_messages_and_follow_ups_per_owner()
    {
        var items = History.Leads.SelectMany(l => l.Activities).Select(a => (Day: Day(a.At), Rep: a.Owner, a.Type, Missed: false))
            .Concat(History.FollowUpMisses.Select(m => (Day: Day(m.At), m.Rep, Type: "", Missed: true)))
            .Where(i => i.Day >= From && i.Day <= To)
            .ToList();
        var expected = Expect(items, i => i.Day, i => i.Rep, "week", list =>
        {
            var done = list.Count(i => !i.Missed);
            var missed = list.Count(i => i.Missed);
            return Values(
                ("calls", list.Count(i => i.Type == "call")),
                ("messages", list.Count(i => i.Type is "email" or "sms" or "whatsapp")),
                ("followUpsDone", done),
                ("followUpsMissed", missed),
                ("followUpsDue", done + missed),
                ("followUpRate", Percent(done, done + missed)));
        });

        await PollKpiAsync("rep-activity", $"{Month}&granularity=week&groupBy=rep", expected);
    }

    [Fact]
    public async Task Messages_are_delivery_and_reply_rates_of_what_was_sent()
    {
        var items = History.Messages.Select(m => (Day: Day(m.SentAt), m.Channel, Message: (KpiHistory.Message?)m, Reply: false))
            .Concat(History.Replies.Where(r => r.IsReply).Select(r => (Day: Day(r.At), r.Channel, Message: (KpiHistory.Message?)null, Reply: true)));
        var expected = Expect(items, i => i.Day, i => i.Channel, "month", list =>
        {
            var sent = list.Count(i => i.Message is not null);
            var delivered = list.Count(i => i.Message?.Delivered == true);
            var replies = list.Count(i => i.Reply);
            return Values(("sent", sent), ("delivered", delivered), ("failed", list.Count(i => i.Message?.Failed == true)), ("deliveryRate", Percent(delivered, sent)), ("replies", replies), ("replyRate", Percent(replies, sent)));
        });

        var response = await PollKpiAsync("messages", $"{Month}&granularity=month&groupBy=channel", expected);

        Assert.Equal("message-facts", response.Watermark.ReadModel);
    }

    [Fact]
    public async Task Service_is_first_contact_resolution_of_resolved_conversations_and_the_csat_of_scores_recorded()
    {
        var expected = Expect(ServiceItems(), i => i.Day, i => i.Owner ?? "unassigned", "month", ServiceValues);

        var response = await PollKpiAsync("service", $"{Month}&granularity=month&groupBy=rep", expected);

        Assert.Equal("counters", response.Watermark.ReadModel);
        Assert.Equal(
            ["period", "group", "resolved", "firstContactResolved", "fcrRate", "csatResponses", "csatAverage", "csatSatisfiedRate", "csat:1", "csat:2", "csat:3", "csat:4", "csat:5"],
            response.Columns);
    }

    [Fact]
    public async Task Service_csat_by_channel_and_week_counts_each_score_on_the_day_it_was_recorded()
    {
        var expected = Expect(ServiceItems(), i => i.Day, i => i.Channel, "week", ServiceValues);

        var response = await PollKpiAsync("service", $"{Month}&granularity=week&groupBy=channel", expected);

        Assert.Equal(History.CsatAnswers.Count, (int)response.Totals.Values["csatResponses"]!);
        Assert.Contains(response.Rows, r => r.Values["resolved"] == 0 && r.Values["csatResponses"] > 0);
    }

    private sealed record ServiceItem(DateOnly Day, string Channel, string? Owner, KpiHistory.Resolution? Resolution, int? Score);

    private List<ServiceItem> ServiceItems() =>
        History.Resolutions.Select(r => new ServiceItem(Day(r.At), r.Channel, r.Owner, r, null))
            .Concat(History.CsatAnswers.Select(a => new ServiceItem(Day(a.At), a.Channel, a.Owner, null, a.Score)))
            .ToList();

    /// <summary>The service values of some items, by this test's own formulas: fcr over resolutions, the mean and the share of 4-5 over scores.</summary>
    private static Dictionary<string, decimal?> ServiceValues(List<ServiceItem> list)
    {
        var resolutions = list.Where(i => i.Resolution is not null).Select(i => i.Resolution!).ToList();
        var scores = list.Where(i => i.Score is not null).Select(i => i.Score!.Value).ToList();
        return Values(
            ("resolved", resolutions.Count),
            ("firstContactResolved", resolutions.Count(r => r.FirstContact)),
            ("fcrRate", Percent(resolutions.Count(r => r.FirstContact), resolutions.Count)),
            ("csatResponses", scores.Count),
            ("csatAverage", scores.Count == 0 ? null : (decimal)scores.Sum() / scores.Count),
            ("csatSatisfiedRate", Percent(scores.Count(s => s >= 4), scores.Count)),
            ("csat:1", scores.Count(s => s == 1)),
            ("csat:2", scores.Count(s => s == 2)),
            ("csat:3", scores.Count(s => s == 3)),
            ("csat:4", scores.Count(s => s == 4)),
            ("csat:5", scores.Count(s => s == 5)));
    }

    [Fact]
    public async Task Cac_is_the_months_spend_over_the_leads_won_that_month()
    {
        var spend = new Dictionary<string, decimal> { ["web"] = 1000m, ["ads"] = 500m };
        var wonInNovember = History.Leads.Where(l => l.WonAt is { } w && Day(w) >= From && Day(w) <= To).ToList();
        var expected = new Dictionary<string, Dictionary<string, decimal?>>(StringComparer.Ordinal);
        foreach (var channel in wonInNovember.Select(l => l.Channel).Concat(spend.Keys).Distinct())
        {
            var customers = wonInNovember.Count(l => l.Channel == channel);
            var money = spend.GetValueOrDefault(channel);
            expected[$"2019-11-01|{channel}"] = Values(("spend", money), ("customers", customers), ("cac", customers == 0 ? null : Round(money / customers)));
        }

        expected["totals"] = Values(("spend", 1500m), ("customers", wonInNovember.Count), ("cac", wonInNovember.Count == 0 ? null : Round(1500m / wonInNovember.Count)));

        await PollKpiAsync("cac", $"{Month}&granularity=month&groupBy=channel", expected);
    }

    [Fact]
    public async Task Ltv_is_avg_ticket_times_frequency_times_lifespan_by_first_purchase_month()
    {
        var expected = Expect(LtvCustomers(), c => Day(c[0].PlacedAt), _ => "all", "month", LtvValues);

        // ltv = avgTicket × frequency × lifespan, which is the cohort's revenue per customer: compared to the cent.
        var response = await PollKpiAsync("ltv", $"{Quarter}&granularity=month", expected, tolerance: ("ltv", 0.01m));

        Assert.Equal(["2019-09-01", "2019-10-01", "2019-11-01"], response.Rows.Select(r => r.Period));
    }

    [Fact]
    public async Task Aov_is_revenue_over_orders_in_the_currency_by_first_touch_channel()
    {
        var firstChannel = History.Leads.GroupBy(l => l.ContactId).ToDictionary(g => g.Key, g => g.OrderBy(l => l.CapturedAt).First().Channel);
        var orders = History.Orders.Where(o => o.Currency == "EUR" && Day(o.PlacedAt) >= From && Day(o.PlacedAt) <= To).ToList();
        var expected = Expect(orders, o => Day(o.PlacedAt), o => firstChannel.GetValueOrDefault(o.ContactId, "none"), "month", AovValues);

        var response = await PollKpiAsync("aov", $"{Month}&granularity=month&groupBy=channel", expected);

        Assert.Equal("customers", response.Watermark.ReadModel);
    }

    [Fact]
    public async Task Retention_counts_customers_with_an_order_in_the_last_N_days_at_each_months_end()
    {
        var expected = new Dictionary<string, Dictionary<string, decimal?>>(StringComparer.Ordinal);
        foreach (var end in new[] { new DateOnly(2019, 9, 30), new DateOnly(2019, 10, 31), new DateOnly(2019, 11, 30) })
        {
            var values = RetentionAt(end, days: 30);
            if (values["customers"] > 0)
            {
                expected[$"{end:yyyy-MM}-01|all"] = values;
            }
        }

        expected["totals"] = RetentionAt(new DateOnly(2019, 11, 30), days: 30);

        await PollKpiAsync("retention", $"{Quarter}&granularity=month&days=30", expected);
    }

    [Theory]
    [InlineData("first")]
    [InlineData("last")]
    public async Task Revenue_by_campaign_follows_the_first_or_last_touch_before_the_order(string touch)
    {
        var orders = History.Orders.Where(o => o.Currency == "EUR" && Day(o.PlacedAt) >= From && Day(o.PlacedAt) <= To).ToList();
        string CampaignOf(KpiHistory.Order order)
        {
            var before = History.Leads.Where(l => l.ContactId == order.ContactId && l.CapturedAt <= order.PlacedAt).OrderBy(l => l.CapturedAt).ToList();
            return before.Count == 0 ? "none" : (touch == "first" ? before[0] : before[^1]).Campaign ?? "none";
        }

        var expected = Expect(orders, o => Day(o.PlacedAt), CampaignOf, "month", list => Values(("orders", list.Count), ("revenue", list.Sum(o => o.Amount))));

        var response = await PollKpiAsync("revenue-by-campaign", $"{Month}&granularity=month&touch={touch}", expected);

        Assert.Equal("campaign", response.GroupBy);
    }

    [Fact]
    public async Task Conversion_by_segment_counts_each_lead_in_every_segment_its_contact_is_in_now_and_once_in_the_totals()
    {
        var expected = ExpectMany(History.Leads, l => Day(l.CapturedAt), l => SegmentsOf(l.ContactId), "week", ConversionValues);

        var response = await PollKpiAsync("conversion", $"{Month}&granularity=week&groupBy=segment", expected);

        // The groups overlap (a contact in two segments), and some contacts are in none.
        Assert.Contains(History.Leads, l => SegmentsOf(l.ContactId).Count > 1);
        Assert.Contains(response.Rows, r => r.Group == "none");
        Assert.True(response.Rows.Sum(r => r.Values["leads"]) > response.Totals.Values["leads"]);
        Assert.Equal(History.Leads.Count, (int)response.Totals.Values["leads"]!);
        Assert.Equal("segment", response.GroupBy);
    }

    [Fact]
    public async Task Cycle_length_speed_to_lead_and_sla_group_by_segment()
    {
        var won = History.Leads.Where(l => l.WonAt is { } w && Day(w) >= From && Day(w) <= To).ToList();
        await PollKpiAsync("cycle-length", $"{Month}&granularity=month&groupBy=segment", ExpectMany(won, l => Day(l.WonAt!.Value), l => SegmentsOf(l.ContactId), "month", CycleLengthValues));
        await PollKpiAsync("speed-to-lead", $"{Month}&granularity=week&groupBy=segment", ExpectMany(History.Leads, l => Day(l.CapturedAt), l => SegmentsOf(l.ContactId), "week", SpeedToLeadValues));
        await PollKpiAsync("sla", $"{Month}&granularity=month&groupBy=segment", ExpectMany(History.Leads.Where(l => l.Owner is not null), l => Day(l.CapturedAt), l => SegmentsOf(l.ContactId), "month", SlaValues));
    }

    [Fact]
    public async Task The_funnel_groups_by_segment()
    {
        var expected = ExpectMany(History.Leads, l => Day(l.CapturedAt), l => SegmentsOf(l.ContactId), "month", leads => FunnelValues(leads, FunnelStages, strict: true));

        await PollKpiAsync("funnel", $"{Month}&granularity=month&groupBy=segment&stages={string.Join(',', FunnelStages)}", expected);
    }

    [Fact]
    public async Task Ltv_aov_and_retention_group_customers_by_the_segments_they_are_in_now()
    {
        await PollKpiAsync("ltv", $"{Quarter}&granularity=month&groupBy=segment", ExpectMany(LtvCustomers(), c => Day(c[0].PlacedAt), c => SegmentsOf(c[0].ContactId), "month", LtvValues), tolerance: ("ltv", 0.01m));
        var orders = History.Orders.Where(o => o.Currency == "EUR" && Day(o.PlacedAt) >= From && Day(o.PlacedAt) <= To).ToList();
        await PollKpiAsync("aov", $"{Month}&granularity=month&groupBy=segment", ExpectMany(orders, o => Day(o.PlacedAt), o => SegmentsOf(o.ContactId), "month", AovValues));

        var expected = new Dictionary<string, Dictionary<string, decimal?>>(StringComparer.Ordinal);
        foreach (var end in new[] { new DateOnly(2019, 9, 30), new DateOnly(2019, 10, 31), new DateOnly(2019, 11, 30) })
        {
            foreach (var segment in KpiHistory.Segments.Append("none"))
            {
                var values = RetentionAt(end, days: 30, contact => SegmentsOf(contact).Contains(segment));
                if (values["customers"] > 0)
                {
                    expected[$"{end:yyyy-MM}-01|{segment}"] = values;
                }
            }
        }

        expected["totals"] = RetentionAt(new DateOnly(2019, 11, 30), days: 30);
        await PollKpiAsync("retention", $"{Quarter}&granularity=month&days=30&groupBy=segment", expected);
    }

    /// <summary>
    /// The segments a contact is in now, by this test's own reading of the generated joins and leaves: per segment, the
    /// changes at the latest instant all joins (a leave at that instant wins); <c>none</c> when in no segment.
    /// </summary>
    private List<string> SegmentsOf(string contactId)
    {
        var segments = History.Memberships.Where(m => m.ContactId == contactId).GroupBy(m => m.SegmentId)
            .Where(g => g.Where(m => m.At == g.Max(x => x.At)).All(m => m.Joined))
            .Select(g => g.Key)
            .ToList();
        return segments.Count == 0 ? ["none"] : segments;
    }

    private static readonly string[] FunnelStages = ["new", "contacted", "qualified", "proposal", "won"];

    private static Dictionary<string, decimal?> ConversionValues(List<KpiHistory.Lead> leads) =>
        Values(("leads", leads.Count), ("won", leads.Count(l => l.WonAt is not null)), ("rate", Percent(leads.Count(l => l.WonAt is not null), leads.Count)));

    private static Dictionary<string, decimal?> CycleLengthValues(List<KpiHistory.Lead> leads)
    {
        var hours = leads.Select(l => (decimal)(l.WonAt!.Value - l.CapturedAt).TotalHours).ToList();
        return Values(("won", leads.Count), ("medianHours", NearestRank(hours, 50)), ("p90Hours", NearestRank(hours, 90)));
    }

    private static Dictionary<string, decimal?> SpeedToLeadValues(List<KpiHistory.Lead> leads)
    {
        var minutes = leads.Where(l => l.Owner is not null && l.OwnerFirstTouch is not null)
            .Select(l => Math.Max(0m, (decimal)(l.OwnerFirstTouch!.Value - l.CapturedAt).TotalMinutes)).ToList();
        return Values(
            ("leads", leads.Count),
            ("touched", minutes.Count),
            ("p50Minutes", NearestRank(minutes, 50)),
            ("p90Minutes", NearestRank(minutes, 90)),
            ("within5mRate", Percent(minutes.Count(m => m <= 5), leads.Count)),
            ("within1hRate", Percent(minutes.Count(m => m <= 60), leads.Count)),
            ("0-5m", minutes.Count(m => m <= 5)),
            ("5-15m", minutes.Count(m => m > 5 && m <= 15)),
            ("15-60m", minutes.Count(m => m > 15 && m <= 60)),
            ("1-4h", minutes.Count(m => m > 60 && m <= 240)),
            ("4-24h", minutes.Count(m => m > 240 && m <= 1440)),
            ("24h+", minutes.Count(m => m > 1440)),
            ("untouched", leads.Count - minutes.Count));
    }

    private static Dictionary<string, decimal?> FunnelValues(List<KpiHistory.Lead> leads, string[] stages, bool strict)
    {
        var values = Values(("leads", leads.Count));
        var flags = leads.Select(l => ReachedStages(l, stages, strict)).ToList();
        for (var i = 0; i < stages.Length; i++)
        {
            var reached = flags.Count(f => f[i]);
            var next = i + 1 < stages.Length ? flags.Count(f => f[i] && f[i + 1]) : reached;
            values[$"reached:{stages[i]}"] = reached;
            values[$"dropped:{stages[i]}"] = reached - next;
        }

        return values;
    }

    private static Dictionary<string, decimal?> SlaValues(List<KpiHistory.Lead> leads)
    {
        var breached = leads.Count(l => l.FirstContactBreached);
        var met = leads.Count(l => !l.FirstContactBreached && l.OwnerFirstTouch is not null);
        return Values(("assigned", leads.Count), ("met", met), ("breached", breached), ("pending", leads.Count - met - breached), ("compliance", Percent(met, met + breached)));
    }

    /// <summary>Each customer's EUR orders up to the end of November, in time order.</summary>
    private List<List<KpiHistory.Order>> LtvCustomers()
    {
        var until = new DateTimeOffset(2019, 12, 1, 0, 0, 0, TimeSpan.Zero);
        return History.Orders.Where(o => o.Currency == "EUR" && o.PlacedAt < until).GroupBy(o => o.ContactId)
            .Select(g => g.OrderBy(o => o.PlacedAt).ToList()).ToList();
    }

    private static Dictionary<string, decimal?> LtvValues(List<List<KpiHistory.Order>> list)
    {
        var orders = list.Sum(c => c.Count);
        var revenue = list.Sum(c => c.Sum(o => o.Amount));
        var lifespan = list.Average(c => Math.Max(1m, (decimal)(c[^1].PlacedAt - c[0].PlacedAt).TotalDays / 30.4375m));
        return Values(("customers", list.Count), ("orders", orders), ("revenue", revenue), ("avgTicket", revenue / orders), ("frequency", orders / (list.Count * lifespan)), ("lifespanMonths", lifespan), ("ltv", revenue / list.Count));
    }

    private static Dictionary<string, decimal?> AovValues(List<KpiHistory.Order> list) =>
        Values(("orders", list.Count), ("revenue", list.Sum(o => o.Amount)), ("aov", list.Sum(o => o.Amount) / list.Count));

    private Dictionary<string, decimal?> RetentionAt(DateOnly end, int days, Func<string, bool>? ofContact = null)
    {
        var last = History.Orders.Where(o => Day(o.PlacedAt) <= end && (ofContact is null || ofContact(o.ContactId))).GroupBy(o => o.ContactId).Select(g => g.Max(o => Day(o.PlacedAt))).ToList();
        var active = last.Count(d => end.DayNumber - d.DayNumber < days);
        return Values(("customers", last.Count), ("active", active), ("churned", last.Count - active), ("retentionRate", Percent(active, last.Count)), ("churnRate", Percent(last.Count - active, last.Count)));
    }

    /// <summary>Strict: the stages are a subsequence of the lead's path (then its win) in this order; any: each stage is on it.</summary>
    private static bool[] ReachedStages(KpiHistory.Lead lead, string[] stages, bool strict)
    {
        var path = lead.Stages.Concat(lead.WonAt is null ? [] : ["won"]).ToList();
        var reached = new bool[stages.Length];
        var position = -1;
        for (var i = 0; i < stages.Length; i++)
        {
            var at = path.IndexOf(stages[i]);
            if (!strict)
            {
                reached[i] = at >= 0;
                continue;
            }

            if (at < 0 || at < position)
            {
                break;
            }

            reached[i] = true;
            position = at;
        }

        return reached;
    }

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    private static DateOnly PeriodOf(DateOnly day, string granularity)
    {
        if (granularity == "month")
        {
            return new DateOnly(day.Year, day.Month, 1);
        }

        while (granularity == "week" && day.DayOfWeek != DayOfWeek.Monday)
        {
            day = day.AddDays(-1);
        }

        return day;
    }

    private static decimal? NearestRank(List<decimal> values, int p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length / 100.0);
        return sorted[Math.Max(rank, 1) - 1];
    }

    private static decimal? Percent(int part, int whole) => whole == 0 ? null : 100m * part / whole;

    private static decimal? Round(decimal? value) => value is null ? null : Math.Round(value.Value, 2, MidpointRounding.AwayFromZero);

    private static Dictionary<string, decimal?> Values(params (string Name, decimal? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => Round(v.Value), StringComparer.Ordinal);

    /// <summary>Rows keyed <c>period|group</c> and <c>totals</c>, from the model's items.</summary>
    private static Dictionary<string, Dictionary<string, decimal?>> Expect<T>(IEnumerable<T> items, Func<T, DateOnly> day, Func<T, string> group, string granularity, Func<List<T>, Dictionary<string, decimal?>> values) =>
        ExpectMany(items, day, i => [group(i)], granularity, values);

    /// <summary>As <see cref="Expect{T}"/>, an item in each of its groups' rows and once in the totals.</summary>
    private static Dictionary<string, Dictionary<string, decimal?>> ExpectMany<T>(IEnumerable<T> items, Func<T, DateOnly> day, Func<T, List<string>> groups, string granularity, Func<List<T>, Dictionary<string, decimal?>> values)
    {
        var list = items.Where(i => day(i) >= From.AddMonths(-2) && day(i) <= To).ToList();
        var expected = list.SelectMany(i => groups(i).Select(g => (Key: $"{PeriodOf(day(i), granularity):yyyy-MM-dd}|{g}", Item: i)))
            .GroupBy(x => x.Key, x => x.Item, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => values(g.ToList()), StringComparer.Ordinal);
        expected["totals"] = values(list);
        return expected;
    }

    private async Task<KpiResponse> PollKpiAsync(string kpi, string query, Dictionary<string, Dictionary<string, decimal?>> expected, (string Name, decimal Within)? tolerance = null)
    {
        var want = Canonical(expected, tolerance?.Name);
        var last = string.Empty;
        KpiResponse? answer = null;
        try
        {
            return await Poll.ForAsync(
                async () =>
                {
                    using var client = Factory.CreateClient();
                    var response = await client.GetAsync(new Uri($"/api/analytics/kpis/{kpi}?{query}", UriKind.Relative));
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    answer = (await response.Content.ReadFromJsonAsync<KpiResponse>(CrmClient.JsonOptions))!;
                    var actual = answer.Rows.ToDictionary(r => $"{r.Period}|{r.Group}", r => r.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal), StringComparer.Ordinal);
                    actual["totals"] = answer.Totals.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
                    last = Canonical(actual, tolerance?.Name);
                    return last == want && WithinTolerance(expected, actual, tolerance) ? answer : null;
                },
                $"{kpi}?{query} to show the history",
                Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Equal(want, last);
            throw;
        }
    }

    private static bool WithinTolerance(Dictionary<string, Dictionary<string, decimal?>> expected, Dictionary<string, Dictionary<string, decimal?>> actual, (string Name, decimal Within)? tolerance) =>
        tolerance is not { } t || expected.All(e => Math.Abs((e.Value[t.Name] ?? 0) - (actual[e.Key][t.Name] ?? 0)) <= t.Within);

    /// <summary>One line per row (sorted), values in name order, numbers without trailing zeros; the tolerated value left out.</summary>
    private static string Canonical(Dictionary<string, Dictionary<string, decimal?>> table, string? without) =>
        string.Join('\n', table.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
            r.Key + " " + string.Join(' ', r.Value.Where(v => v.Key != without).OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => $"{v.Key}={v.Value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "null"}"))));
}
