using System.Net;

namespace Crm.Client.Http;

/// <summary>
/// Retries 429 and 503 after <c>Retry-After</c> (or a jittered back-off), and connection failures of requests that
/// are safe to repeat, at most <see cref="CrmRetryOptions.MaxAttempts"/> attempts, never waiting longer than
/// <see cref="CrmRetryOptions.MaxDelay"/> at a time. The same <see cref="HttpRequestMessage"/> (same headers,
/// buffered body, same <c>Idempotency-Key</c>) is sent on every attempt.
/// </summary>
internal sealed class RetryHandler(CrmRetryOptions options, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null && options.MaxAttempts > 1)
        {
            // A body that can be sent again, byte for byte (the server compares it with the first for the same key).
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var repeatable = IsSafeToRepeat(request);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (repeatable && attempt < options.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!IsRetriedStatus(response.StatusCode) || attempt >= options.MaxAttempts)
            {
                return response;
            }

            var delay = RetryAfter(response) ?? Backoff(attempt);
            if (delay > options.MaxDelay)
            {
                // The server asks for a longer pause than the caller allows: hand the 429/503 back rather than retry too early.
                return response;
            }

            response.Dispose();
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static bool IsRetriedStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;

    /// <summary>Methods the HTTP spec calls idempotent, and POST/PATCH made idempotent by an <c>Idempotency-Key</c>.</summary>
    internal static bool IsSafeToRepeat(HttpRequestMessage request)
    {
        var method = request.Method;
        if (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
            || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Trace)
        {
            return true;
        }

        return (method == HttpMethod.Post || method == HttpMethod.Patch) && request.Headers.Contains(IdempotencyKeyHandler.HeaderName);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>BaseDelay × 2^(attempt-1), capped at MaxDelay, drawn from [half, all] of it.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        ceiling = Math.Min(ceiling, options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}
