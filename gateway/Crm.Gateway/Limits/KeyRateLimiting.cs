using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Gateway.Limits;

/// <summary>A token bucket per API key name (<c>Gateway:RateLimit</c>); an empty bucket answers 429 with Retry-After.</summary>
public static class KeyRateLimiting
{
    public const string Policy = "per-key";

    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, context =>
            {
                var limit = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RateLimit;
                var key = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? "" : "";
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(limit));
            });
            options.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
                await GatewayProblems.WriteAsync(
                    rejected.HttpContext,
                    StatusCodes.Status429TooManyRequests,
                    "Too many requests.",
                    $"This API key exceeded its rate limit; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.");
            };
        });
        return services;
    }

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
}
