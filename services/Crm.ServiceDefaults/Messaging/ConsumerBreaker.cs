using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Crm.ServiceDefaults.Messaging;

/// <summary>When a consumer endpoint pauses (config section <c>Messaging:Breaker</c>).</summary>
public sealed class BreakerOptions : ICheckedSettings
{
    public const string Section = "Messaging:Breaker";

    /// <summary>Transient failures in a row (each after its immediate retries) that pause the endpoint; 0 turns pausing off.</summary>
    public int TripAfter { get; set; } = 10;

    /// <summary>The first pause; it doubles each time the endpoint fails again right after resuming.</summary>
    public TimeSpan Pause { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause.</summary>
    public TimeSpan MaxPause { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<string> Errors()
    {
        if (TripAfter < 0)
        {
            yield return $"{Section}:TripAfter must not be negative, not {TripAfter}.";
        }

        if (Pause <= TimeSpan.Zero)
        {
            yield return $"{Section}:Pause must be positive, not {Pause}.";
        }

        if (MaxPause < Pause)
        {
            yield return $"{Section}:MaxPause ({MaxPause}) must not be shorter than Pause ({Pause}).";
        }
    }
}

/// <summary>
/// The circuit breaker of the consumer endpoints: when a queue's messages fail transiently
/// <see cref="BreakerOptions.TripAfter"/> times in a row (its dependency is down), the endpoint stops taking messages
/// for a pause instead of parking every message of the queue in turn; the messages wait in the queue, and the parked
/// ones too once their timers send them back. After the pause it takes messages again: one success closes the
/// breaker; a failure pauses it again for twice as long (up to <see cref="BreakerOptions.MaxPause"/>).
/// </summary>
public sealed class ConsumerBreaker(BreakerOptions options, MessagingMetrics metrics, ILogger<ConsumerBreaker> logger)
{
    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="queue"/>'s endpoint is paused now.</summary>
    public bool IsPaused(string queue) => _endpoints.TryGetValue(queue, out var endpoint) && endpoint.Paused;

    /// <summary>Watches the endpoint of <paramref name="queue"/> (it reports itself when ready).</summary>
    public void Watch(IReceiveEndpointConfigurator configurator, string queue)
    {
        var endpoint = _endpoints.GetOrAdd(queue, q => new Endpoint(q));
        configurator.ConnectReceiveEndpointObserver(endpoint);
    }

    /// <summary>A message of <paramref name="queue"/> succeeded: true when it ends a run of transient failures (its dependency is back).</summary>
    public bool Succeeded(string queue) => _endpoints.TryGetValue(queue, out var endpoint) && endpoint.Succeeded(options);

    public void FailedTransiently(string queue, Exception error)
    {
        if (!_endpoints.TryGetValue(queue, out var endpoint) || endpoint.Failed(options) is not { } pause)
        {
            return;
        }

        metrics.Paused.Add(1);
        logger.LogWarning(error, "{Queue} failed {Failures} times in a row for want of a dependency: it takes no messages for {Pause}", queue, options.TripAfter, pause);
        // Not awaited: stopping waits for the deliveries in flight, this one among them.
        _ = Task.Run(() => endpoint.PauseAsync(pause, logger));
    }

    private sealed class Endpoint(string queue) : IReceiveEndpointObserver
    {
        private readonly Lock _lock = new();
        private IReceiveEndpoint? _endpoint;
        private int _failuresInARow;
        private TimeSpan _nextPause;
        private bool _paused;

        public bool Paused
        {
            get
            {
                lock (_lock)
                {
                    return _paused;
                }
            }
        }

        /// <summary>Closes the breaker; true when failures came before this success.</summary>
        public bool Succeeded(BreakerOptions options)
        {
            lock (_lock)
            {
                var ended = _failuresInARow > 0;
                _failuresInARow = 0;
                _nextPause = options.Pause;
                return ended;
            }
        }

        /// <summary>Counts a failure; the pause to take when it trips the breaker, else null.</summary>
        public TimeSpan? Failed(BreakerOptions options)
        {
            lock (_lock)
            {
                if (_paused || ++_failuresInARow < options.TripAfter || options.TripAfter == 0 || _endpoint is null)
                {
                    return null;
                }

                _paused = true;
                var pause = _nextPause < options.Pause ? options.Pause : _nextPause;
                _nextPause = pause * 2 < options.MaxPause ? pause * 2 : options.MaxPause;
                // Resumed: the first failure pauses it again, a success closes it.
                _failuresInARow = options.TripAfter - 1;
                return pause;
            }
        }

        public async Task PauseAsync(TimeSpan pause, ILogger logger)
        {
            var endpoint = _endpoint!;
            try
            {
                await endpoint.Stop();
                await Task.Delay(pause);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Queue} could not be paused", queue);
            }

            try
            {
                await endpoint.Start().Ready;
                logger.LogInformation("{Queue} takes messages again after a pause of {Pause}", queue, pause);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Queue} could not be started again after its pause", queue);
            }
            finally
            {
                lock (_lock)
                {
                    _paused = false;
                }
            }
        }

        public Task Ready(ReceiveEndpointReady ready)
        {
            lock (_lock)
            {
                _endpoint = ready.ReceiveEndpoint;
            }

            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
    }
}
