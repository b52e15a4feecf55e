using Microsoft.AspNetCore.Http;

namespace Crm.ServiceDefaults.Http;

/// <summary>
/// A 503 ProblemDetails with <c>Retry-After</c>: something this request needs (another service, sends in flight) cannot
/// answer now and nothing of the request was stored, so a caller (a provider's webhook, an integrator) retries the same
/// request after that many seconds. Every 503 the services answer themselves goes through it, so none lacks the header.
/// </summary>
public static class Unavailable
{
    /// <summary>The seconds a caller is asked to wait before retrying.</summary>
    public const int RetryAfterSeconds = 30;

    public static IResult Problem(string title, string detail, IDictionary<string, object?>? extensions = null, int retryAfterSeconds = RetryAfterSeconds) =>
        new Result(retryAfterSeconds, Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail, extensions: extensions));

    private sealed class Result(int retryAfterSeconds, IResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }
}
