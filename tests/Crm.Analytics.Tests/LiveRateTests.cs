using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Crm.Analytics.Live;
using Crm.Client;
using Crm.Contracts.Api.Analytics;
using Crm.Contracts.Leads;
using Crm.ServiceDefaults.Storage;
using Crm.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Crm.Analytics.Tests;

/// <summary>The live rate's window arithmetic (pure).</summary>
public sealed class LiveRateTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 10, 15, 42, TimeSpan.Zero);

    [Fact]
    public void The_window_is_the_running_minute_and_the_59_before_it_with_zeros_where_no_lead_came()
    {
        var rate = LiveRate.Build(Now, [Minute("2030-01-02T10:15", 2), Minute("2030-01-02T10:14", 6), Minute("2030-01-02T09:16", 1)]);

        Assert.Equal(60, rate.Minutes.Count);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 9, 16, 0, TimeSpan.Zero), rate.Minutes[0].Minute);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 10, 15, 0, TimeSpan.Zero), rate.Minutes[^1].Minute);
        Assert.Equal([1, 6, 2], rate.Minutes.Where(m => m.Count > 0).Select(m => m.Count));
        Assert.Equal((2, 6, 0.1, 9), (rate.CurrentMinute, rate.LastMinute, rate.PerSecond, rate.LastHour));
        Assert.Equal(Now, rate.At);
    }

    [Fact]
    public void Minutes_outside_the_window_count_nothing()
    {
        var rate = LiveRate.Build(Now, [Minute("2030-01-02T09:15", 50), Minute("2030-01-02T10:16", 50)]);

        Assert.Equal((0, 0, 0, 0.0), (rate.CurrentMinute, rate.LastMinute, rate.LastHour, rate.PerSecond));
    }

    [Fact]
    public void A_minute_is_keyed_by_its_UTC_start_whatever_the_offset_of_the_time()
    {
        var at = new DateTimeOffset(2030, 1, 2, 11, 15, 59, TimeSpan.FromHours(1));

        Assert.Equal("2030-01-02T10:15", LeadMinute.IdOf(at));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 10, 15, 0, TimeSpan.Zero), LeadMinute.MinuteOf(at));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 9, 16, 0, TimeSpan.Zero), LiveRate.WindowStart(at));
    }

    private static LeadMinute Minute(string id, int count) => new() { Id = id, Count = count };
}

/// <summary>
/// <c>GET /api/analytics/live</c> in-process: server-sent events on the factory's fake clock (each advance of the
/// interval brings the next event), counts from the store.
/// </summary>
public sealed class LiveStreamTests(AnalyticsApiFactory factory) : IClassFixture<AnalyticsApiFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_stream_sends_the_rate_at_once_and_again_with_each_lead_counted_in_the_window()
    {
        var minute = StartNextMinute();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/analytics/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var events = new LiveEvents(await response.Content.ReadAsStreamAsync());

        var first = await events.NextAsync();
        Assert.Equal(60, first.Minutes.Count);
        Assert.Equal(minute.AddMinutes(-59), first.Minutes[0].Minute);
        Assert.Equal(minute, first.Minutes[^1].Minute);

        // Two leads in the running minute, one in the minute before, one long before the window (counted nowhere here).
        var now = factory.Time.GetUtcNow();
        using var recorder = new BusRecorder(factory.Harness.Bus);
        var published = new List<Guid>();
        foreach (var at in new[] { now, now, now.AddMinutes(-1), now.AddHours(-3) })
        {
            var id = NewId.NextGuid();
            published.Add(id);
            await factory.Harness.Bus.Publish(Captured(at), ctx => ctx.MessageId = id);
        }

        await Poll.UntilAsync(() => Task.FromResult(published.All(id => recorder.Consumed(id) >= 1)), "the four leads counted by the lead-captured queue", Timeout);
        var rate = await NextMatchingAsync(events, r => r.LastHour >= first.LastHour + 3);
        Assert.Equal(first.CurrentMinute + 2, rate.CurrentMinute);
        Assert.Equal(first.LastMinute + 1, rate.LastMinute);
        Assert.Equal(first.LastHour + 3, rate.LastHour);
        Assert.Equal(Math.Round(rate.LastMinute / 60.0, 3), rate.PerSecond);
    }

    [Fact]
    public async Task A_lead_another_replica_counted_shows_in_this_replicas_stream()
    {
        // Replicas share the queue (each consumer gets part of the events) and the store: what another process added to
        // the stored minute is in the stream of this one, which counted nothing itself.
        StartNextMinute();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/analytics/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        await using var events = new LiveEvents(await response.Content.ReadAsStreamAsync());
        var first = await events.NextAsync();

        using (var scope = factory.Services.CreateScope())
        {
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            for (var i = 0; i < 5; i++)
            {
                unit.Add(LiveQueries.Increment(factory.Time.GetUtcNow()));
            }

            await unit.CommitAsync();
        }

        var rate = await NextMatchingAsync(events, r => r.CurrentMinute >= first.CurrentMinute + 5);
        Assert.Equal(first.CurrentMinute + 5, rate.CurrentMinute);
    }

    [Fact]
    public async Task Without_analytics_read_the_stream_is_refused()
    {
        using var client = factory.CreateClient();
        client.As(TestIdentity.Key("leads-only", "leads:read"));

        using var response = await client.GetAsync(new Uri("/api/analytics/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>
    /// Moves the fake clock to the start of the next minute, so that the test's events and reads fall in one minute
    /// (the clock is shared by the tests of this class, which run one after the other).
    /// </summary>
    private DateTimeOffset StartNextMinute()
    {
        var next = LeadMinute.MinuteOf(factory.Time.GetUtcNow()).AddMinutes(1);
        factory.Time.SetUtcNow(next);
        return next;
    }

    /// <summary>
    /// Advances the fake clock by the interval until the stream sends an event that satisfies <paramref name="match"/>
    /// (each advance lets the stream's wait end; the real-time wait between two advances is only the poll's step).
    /// </summary>
    private async Task<LiveLeadRate> NextMatchingAsync(LiveEvents events, Func<LiveLeadRate, bool> match)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var next = events.NextAsync();
        while (DateTime.UtcNow < deadline)
        {
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            if (await Task.WhenAny(next, Task.Delay(50)) != next)
            {
                continue;
            }

            var rate = await next;
            if (match(rate))
            {
                return rate;
            }

            next = events.NextAsync();
        }

        throw new TimeoutException("The stream sent no matching rate within the deadline.");
    }

    private static LeadCaptured Captured(DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at,
        LeadId = $"l-{Guid.NewGuid():N}",
        ContactId = $"c-{Guid.NewGuid():N}",
        Source = "live-test",
        Channel = "web",
    };

    /// <summary>The <c>rate</c> events of one stream, parsed with the BCL's SSE parser.</summary>
    private sealed class LiveEvents(Stream stream) : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<SseItem<string>> _items = SseParser.Create(stream).EnumerateAsync().GetAsyncEnumerator();

        public async Task<LiveLeadRate> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (await _items.MoveNextAsync().AsTask().WaitAsync(timeout.Token))
            {
                if (_items.Current.EventType == LiveEndpoints.EventType)
                {
                    return JsonSerializer.Deserialize<LiveLeadRate>(_items.Current.Data, CrmClient.JsonOptions)!;
                }
            }

            throw new InvalidOperationException("The stream ended.");
        }

        public async ValueTask DisposeAsync()
        {
            await _items.DisposeAsync();
            await stream.DisposeAsync();
        }
    }
}
