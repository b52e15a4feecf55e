using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Assignment;
using Crm.Contracts.Leads;
using Crm.Contracts.Messaging;
using Crm.Testing;
using MassTransit;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>
/// Tests share one service and database: each one counts on days no other test uses (its own year), except the
/// default-period test, which alone uses the days before the factory's "today".
/// </summary>
public sealed class AnalyticsApiTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task One_of_each_event_shows_in_the_summary_of_its_day()
    {
        var day = new DateOnly(2011, 3, 14);
        var at = At(day, hour: 23);

        await factory.Harness.Bus.Publish(Captured(at, "spring-campaign", "web"));
        await factory.Harness.Bus.Publish(Scored(at, "hot"));
        await factory.Harness.Bus.Publish(Assigned(at));
        await factory.Harness.Bus.Publish(Sent(at));

        var summary = await PollSummaryAsync("from=2011-03-14&to=2011-03-14", s => s.Totals.MessagesSent == 1 && s.Totals.LeadsAssigned == 1 && s.Totals.LeadsCaptured == 1 && s.Totals.ScoredByGrade.Count == 1);
        Assert.Equal("2011-03-14", summary.From);
        Assert.Equal("2011-03-14", summary.To);
        AssertCounts(summary.Totals, captured: 1, assigned: 1, sent: 1, bySource: new() { ["spring-campaign"] = 1 }, byChannel: new() { ["web"] = 1 }, byGrade: new() { ["hot"] = 1 });
        var only = Assert.Single(summary.Days);
        Assert.Equal("2011-03-14", only.Date);
        AssertCounts(only.Counts, captured: 1, assigned: 1, sent: 1, bySource: new() { ["spring-campaign"] = 1 }, byChannel: new() { ["web"] = 1 }, byGrade: new() { ["hot"] = 1 });
    }

    [Fact]
    public async Task A_redelivered_event_counts_once()
    {
        var at = At(new DateOnly(2012, 6, 1));
        var captured = Captured(at, "partner", "sms");
        var messageId = NewId.NextGuid();
        using var recorder = new BusRecorder(factory.Harness.Bus);

        await factory.Harness.Bus.Publish(captured, ctx => ctx.MessageId = messageId);
        await factory.Harness.Bus.Publish(captured, ctx => ctx.MessageId = messageId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Finished(messageId) >= 2), "both deliveries consumed", Timeout);

        var summary = await GetSummaryAsync("from=2012-06-01&to=2012-06-01");
        Assert.Equal(1, summary.Totals.LeadsCaptured);
        Assert.Equal(new Dictionary<string, int> { ["partner"] = 1 }, summary.Totals.LeadsBySource);

        // Another event (another MessageId) counts again.
        await factory.Harness.Bus.Publish(captured with { EventId = Guid.NewGuid() });
        await PollSummaryAsync("from=2012-06-01&to=2012-06-01", s => s.Totals.LeadsCaptured == 2);
    }

    [Fact]
    public async Task One_MessageId_consumed_by_two_queues_counts_in_both()
    {
        // The inbox key is the queue and the MessageId: a MessageId one queue applied does not hide it from another.
        var at = At(new DateOnly(2014, 9, 9));
        var messageId = NewId.NextGuid();

        await factory.Harness.Bus.Publish(Captured(at, "fair", "web"), ctx => ctx.MessageId = messageId);
        await factory.Harness.Bus.Publish(Scored(at, "warm"), ctx => ctx.MessageId = messageId);

        var summary = await PollSummaryAsync("from=2014-09-09&to=2014-09-09", s => s.Totals.LeadsCaptured == 1 && s.Totals.ScoredByGrade.Count == 1);
        Assert.Equal(new Dictionary<string, int> { ["warm"] = 1 }, summary.Totals.ScoredByGrade);
    }

    [Fact]
    public async Task A_lead_scored_again_is_not_counted_twice_by_grade()
    {
        var at = At(new DateOnly(2015, 3, 3));
        await factory.Harness.Bus.Publish(Scored(at, "warm"));
        await factory.Harness.Bus.Publish(Scored(at, "hot") with { PreviousScore = 15, PreviousGrade = "warm", Cause = "signals" });
        await factory.Harness.Bus.Publish(Scored(at, "cold"));

        var summary = await PollSummaryAsync("from=2015-03-03&to=2015-03-03", s => s.Totals.ScoredByGrade.Values.Sum() == 2);
        await Poll.UntilAsync(() => factory.Harness.Consumed.Any<LeadScored>(x => x.Context.Message.PreviousGrade == "warm" && x.Context.Message.OccurredAt == at), "the rescore to be consumed");
        Assert.Equal(new Dictionary<string, int> { ["warm"] = 1, ["cold"] = 1 }, (await GetSummaryAsync("from=2015-03-03&to=2015-03-03")).Totals.ScoredByGrade);
        Assert.Equal(2, summary.Totals.ScoredByGrade.Values.Sum());
    }

    [Fact]
    public async Task A_burst_of_rescores_counts_only_the_first_scores_it_carries()
    {
        var at = At(new DateOnly(2015, 4, 4));
        var burst = new LeadScoresChanged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = at,
            Scores = [Scored(at, "hot") with { PreviousScore = 15, PreviousGrade = "warm", Cause = "signals" }, Scored(at, "warm"), Scored(at, "cold") with { PreviousScore = 9, PreviousGrade = "cold" }],
        };
        using var recorder = new BusRecorder(factory.Harness.Bus);
        await factory.Harness.Bus.Publish(burst);
        await factory.Harness.Bus.Publish(burst, ctx => ctx.MessageId = burst.EventId);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(burst.EventId) == 1), "the second publication consumed");
        await factory.Harness.Bus.Publish(burst, ctx => ctx.MessageId = burst.EventId);

        // Two message ids (the third delivery is the second's duplicate): its one first score counted twice, never three times.
        await PollSummaryAsync("from=2015-04-04&to=2015-04-04", s => s.Totals.ScoredByGrade.Values.Sum() == 2);
        await Poll.UntilAsync(() => Task.FromResult(recorder.Consumed(burst.EventId) == 2), "its duplicate delivered (and dropped by the inbox)");
        Assert.Equal(new Dictionary<string, int> { ["warm"] = 2 }, (await GetSummaryAsync("from=2015-04-04&to=2015-04-04")).Totals.ScoredByGrade);
    }

    [Fact]
    public async Task A_period_lists_only_its_days_with_data_and_sums_them()
    {
        await factory.Harness.Bus.Publish(Assigned(At(new DateOnly(2013, 1, 10))));
        await factory.Harness.Bus.Publish(Assigned(At(new DateOnly(2013, 1, 12))));
        await factory.Harness.Bus.Publish(Assigned(At(new DateOnly(2013, 1, 12), hour: 0)));
        await factory.Harness.Bus.Publish(Assigned(At(new DateOnly(2013, 1, 13))));

        await PollSummaryAsync("from=2013-01-01&to=2013-01-31", s => s.Totals.LeadsAssigned == 4);
        var summary = await GetSummaryAsync("from=2013-01-10&to=2013-01-12");

        Assert.Equal(3, summary.Totals.LeadsAssigned);
        Assert.Equal(["2013-01-10", "2013-01-12"], summary.Days.Select(d => d.Date));
        Assert.Equal([1, 2], summary.Days.Select(d => d.Counts.LeadsAssigned));
    }

    [Fact]
    public async Task Without_dates_the_summary_covers_the_last_30_days_up_to_today_UTC()
    {
        var today = AnalyticsApiFactory.Today;
        await factory.Harness.Bus.Publish(Sent(AnalyticsApiFactory.Now));
        await factory.Harness.Bus.Publish(Sent(At(today.AddDays(-29), hour: 0)));
        await factory.Harness.Bus.Publish(Sent(At(today.AddDays(-30), hour: 23)));
        await factory.Harness.Bus.Publish(Sent(At(today.AddDays(1), hour: 0)));

        await PollSummaryAsync($"from={Text(today.AddDays(-30))}&to={Text(today.AddDays(1))}", s => s.Totals.MessagesSent == 4);
        var summary = await GetSummaryAsync(string.Empty);

        Assert.Equal(Text(today.AddDays(-29)), summary.From);
        Assert.Equal(Text(today), summary.To);
        Assert.Equal(2, summary.Totals.MessagesSent);
        Assert.Equal([Text(today.AddDays(-29)), Text(today)], summary.Days.Select(d => d.Date));
    }

    [Theory]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("from=yesterday&to=2026-01-01", "from")]
    [InlineData("to=2026-02-30", "to")]
    [InlineData("from=2026-01-02&to=2026-01-01", "from")]
    [InlineData("from=2025-01-01&to=2026-01-02", "from")]
    public async Task Bad_periods_are_400_naming_the_field(string query, string field)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri($"/api/analytics/summary?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([field], problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_period_of_366_days_is_allowed()
    {
        var summary = await GetSummaryAsync("from=2024-01-01&to=2024-12-31");

        Assert.Equal("2024-01-01", summary.From);
        Assert.Equal("2024-12-31", summary.To);
    }

    private static DateTimeOffset At(DateOnly day, int hour = 12) => new(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);

    private static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static LeadCaptured Captured(DateTimeOffset at, string source, string channel) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        LeadId = $"l-{Guid.NewGuid():N}",
        ContactId = $"c-{Guid.NewGuid():N}",
        Source = source,
        Channel = channel,
    };

    private static LeadScored Scored(DateTimeOffset at, string grade) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        LeadId = $"l-{Guid.NewGuid():N}",
        ContactId = $"c-{Guid.NewGuid():N}",
        Score = 25,
        Grade = grade,
    };

    private static LeadAssigned Assigned(DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        LeadId = $"l-{Guid.NewGuid():N}",
        ContactId = $"c-{Guid.NewGuid():N}",
        RepId = "rep-1",
        RepName = "Grace",
    };

    private static MessageSent Sent(DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        MessageId = Guid.NewGuid().ToString("N"),
        ContactId = $"c-{Guid.NewGuid():N}",
        Channel = "email",
        Template = "welcome",
        To = "ada@example.com",
    };

    private static void AssertCounts(Counts counts, int captured, int assigned, int sent, Dictionary<string, int> bySource, Dictionary<string, int> byChannel, Dictionary<string, int> byGrade)
    {
        Assert.Equal(captured, counts.LeadsCaptured);
        Assert.Equal(assigned, counts.LeadsAssigned);
        Assert.Equal(sent, counts.MessagesSent);
        Assert.Equal(bySource, counts.LeadsBySource);
        Assert.Equal(byChannel, counts.LeadsByChannel);
        Assert.Equal(byGrade, counts.ScoredByGrade);
    }

    private async Task<SummaryResponse> GetSummaryAsync(string query)
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri($"/api/analytics/summary?{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SummaryResponse>(CrmClient.JsonOptions))!;
    }

    private Task<SummaryResponse> PollSummaryAsync(string query, Func<SummaryResponse, bool> done) =>
        Poll.ForAsync(
            async () =>
            {
                var summary = await GetSummaryAsync(query);
                return done(summary) ? summary : null;
            },
            $"the summary of {query} to show the events",
            Timeout);
}
