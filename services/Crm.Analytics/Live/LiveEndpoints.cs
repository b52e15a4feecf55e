using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Crm.Contracts.Api.Analytics;
using Crm.ServiceDefaults.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Crm.Analytics.Live;

/// <summary><c>Analytics:Live</c>: how often the live stream sends the rate.</summary>
public sealed class LiveOptions
{
    public const string Section = "Analytics:Live";

    /// <summary>Time between two events of one stream (also the longest a stored count waits to be shown).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Reads the live rate from the store for every stream of this process: at most one read per half interval, whatever
/// the number of dashboards open (each stream gets the last read when it is fresh enough).
/// </summary>
public sealed class LiveRateReader(IDocumentStore store, TimeProvider time, IOptions<LiveOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LiveLeadRate? _last;

    public async Task<LiveLeadRate> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is not null && now - _last.At >= TimeSpan.Zero && now - _last.At < options.Value.Interval / 2)
            {
                return _last;
            }

            var minutes = await store.FindAsync(LiveQueries.Minutes(LiveRate.WindowStart(now), now), cancellationToken);
            _last = LiveRate.Build(now, minutes);
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

public static class LiveEndpoints
{
    public const string EventType = "rate";

    public static IServiceCollection AddLiveRate(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LiveOptions>()
            .Bind(configuration.GetSection(LiveOptions.Section))
            .Validate(o => o.Interval > TimeSpan.Zero && o.Interval <= TimeSpan.FromSeconds(20), $"{LiveOptions.Section}:Interval must be between 0 and 20 s (the gateway cuts a stream that sends nothing for 30 s).")
            .ValidateOnStart();
        services.AddSingleton<LiveRateReader>();
        return services;
    }

    public static RouteGroupBuilder MapLiveEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/live", Stream)
            .WithName("StreamLiveLeadRate")
            .WithSummary("Live lead rate (server-sent events)")
            .WithDescription(
                "A `text/event-stream` that sends an event `rate` at once and then every second (`Analytics:Live:Interval`): leads captured in the " +
                "running and the last complete UTC minute, per second, in the last hour, and the 60 minutes one by one (a `LiveLeadRate` as JSON in " +
                "`data`). The figures are the stored per-minute counts, the same from every Analytics replica. The stream runs until the caller " +
                "closes it (the gateway ends it after an hour: reconnect). Browsers: `EventSource` cannot send the `Authorization` header, " +
                "read it with `fetch` and a stream reader.")
            .Produces<LiveLeadRate>(StatusCodes.Status200OK, "text/event-stream");
        return group;
    }

    private static ServerSentEventsResult<LiveLeadRate> Stream(
        LiveRateReader reader,
        TimeProvider time,
        IOptions<LiveOptions> options,
        CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(EventsAsync(reader, time, options.Value.Interval, cancellationToken));

    private static async IAsyncEnumerable<SseItem<LiveLeadRate>> EventsAsync(
        LiveRateReader reader,
        TimeProvider time,
        TimeSpan interval,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            LiveLeadRate rate;
            try
            {
                rate = await reader.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            yield return new SseItem<LiveLeadRate>(rate, EventType) { ReconnectionInterval = TimeSpan.FromSeconds(2) };
            try
            {
                await Task.Delay(interval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }
}
