using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Crm.Gateway.Auth;
using Crm.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Gateway.Limits;

/// <summary>
/// What a caller may spend, per gateway replica: a token bucket per API key (the key's own <c>rateLimit</c>, else
/// <c>Gateway:RateLimit</c>) and per person (the default bucket), a daily quota per key (the key's <c>dailyQuota</c>, per UTC day), and failed
/// authentications per client address (<c>Gateway:FailedAuth</c>), limited before a key is even looked up. Answers
/// carry <c>RateLimit-Limit</c>, <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c>; a refusal is 429 with
/// <c>Retry-After</c>. Requests refused with 401 or 403 spend no tokens.
/// </summary>
public sealed class KeyRateLimiting(IOptions<GatewayOptions> options, TimeProvider time)
{
    private const int MaxTracked = 100_000;
    private readonly ConcurrentDictionary<(string Name, double PermitsPerSecond, int Burst), TokenBucketRateLimiter> _buckets = new();
    private readonly ConcurrentDictionary<string, QuotaDay> _quotas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, FailureWindow> _failures = new();

    /// <summary>N per second refills N tokens each second; a rate below 1 refills one token every 1/N seconds.</summary>
    public static TokenBucketRateLimiterOptions Bucket(RateLimitOptions limit)
    {
        var perSecond = limit.PermitsPerSecond;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = perSecond >= 1 ? (int)Math.Round(perSecond, MidpointRounding.AwayFromZero) : 1,
            ReplenishmentPeriod = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>Before authentication: a client address with too many recent failed authentications gets 429.</summary>
    public async Task LimitFailedAuthenticationsAsync(HttpContext context, RequestDelegate next)
    {
        var address = context.Connection.RemoteIpAddress;
        var limit = options.Value.FailedAuth;
        var now = time.GetUtcNow();
        if (address is not null && _failures.TryGetValue(address, out var window) && window.IsBlocked(now, limit))
        {
            await TooManyAsync(context, window.Until(limit) - now, "Too many failed authentications from this address.");
            return;
        }

        await next(context);
        if (address is not null && context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            if (_failures.Count >= MaxTracked)
            {
                _failures.Clear();
            }

            _failures.AddOrUpdate(address, _ => FailureWindow.Start(now), (_, w) => w.Add(now, limit));
        }
    }

    /// <summary>After authorization: the key's bucket and daily quota (a request within both goes on without a state machine of its own).</summary>
    public Task LimitKeysAsync(HttpContext context, RequestDelegate next)
    {
        // A person (JWT) gets the default bucket of their own, keyed by their subject.
        var key = context.Features.Get<ApiKey>()
            ?? (context.Caller() is { Kind: CallerIdentity.PersonKind } person ? new ApiKey($"person:{person.Subject}", person.Scopes) : null);
        if (key is null || context.User.Identity?.IsAuthenticated != true)
        {
            return next(context);
        }

        var now = time.GetUtcNow();
        if (key.DailyQuota is { } quota)
        {
            var day = _quotas.AddOrUpdate(QuotaKey(key), _ => new QuotaDay(DateOnly.FromDateTime(now.UtcDateTime), 1), (_, d) => d.Count(now));
            if (day.Used > quota)
            {
                var midnight = new DateTimeOffset(day.Day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                return TooManyAsync(context, midnight - now, $"This API key used its daily quota of {quota.ToString(CultureInfo.InvariantCulture)} requests; it renews at 00:00 UTC.");
            }
        }

        var limit = key.RateLimit ?? options.Value.RateLimit;
        var bucket = Bucket(key, limit);
        // A token bucket's permit is spent when acquired; releasing the lease gives nothing back.
        using var lease = bucket.AttemptAcquire();
        var remaining = bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;
        var headers = context.Response.Headers;
        headers["RateLimit-Limit"] = limit.BurstText;
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = SecondsUntilFull(limit, remaining).ToString(CultureInfo.InvariantCulture);
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
            return TooManyAsync(context, wait, null);
        }

        return next(context);
    }

    private TokenBucketRateLimiter Bucket(ApiKey key, RateLimitOptions limit)
    {
        // Keys of one name share a bucket (rotation); a changed limit starts a new one.
        var id = (key.Name, limit.PermitsPerSecond, limit.Burst);
        if (_buckets.TryGetValue(id, out var bucket))
        {
            return bucket;
        }

        if (_buckets.Count >= MaxTracked)
        {
            _buckets.Clear();
        }

        return _buckets.GetOrAdd(id, _ => new TokenBucketRateLimiter(Bucket(limit)));
    }

    private static string QuotaKey(ApiKey key) => key.Id ?? $"config:{key.Name}";

    private static long SecondsUntilFull(RateLimitOptions limit, long remaining) =>
        (long)Math.Ceiling(Math.Max(0, limit.Burst - remaining) / limit.PermitsPerSecond);

    private static Task TooManyAsync(HttpContext context, TimeSpan wait, string? detail)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        var text = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers[HeaderNames.RetryAfter] = text;
        return GatewayProblems.WriteAsync(
            context,
            StatusCodes.Status429TooManyRequests,
            "Too many requests.",
            detail is null ? $"This API key exceeded its rate limit; retry after {text} s." : $"{detail} Retry after {text} s.");
    }

    private sealed record QuotaDay(DateOnly Day, long Used)
    {
        public QuotaDay Count(DateTimeOffset now)
        {
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            return today == Day ? this with { Used = Used + 1 } : new QuotaDay(today, 1);
        }
    }

    private sealed record FailureWindow(DateTimeOffset Started, int Failures)
    {
        public static FailureWindow Start(DateTimeOffset now) => new(now, 1);

        public FailureWindow Add(DateTimeOffset now, FailedAuthOptions limit) =>
            now - Started >= limit.Window ? Start(now) : this with { Failures = Failures + 1 };

        public bool IsBlocked(DateTimeOffset now, FailedAuthOptions limit) =>
            Failures >= limit.MaxFailures && now - Started < limit.Window;

        public DateTimeOffset Until(FailedAuthOptions limit) => Started + limit.Window;
    }
}
