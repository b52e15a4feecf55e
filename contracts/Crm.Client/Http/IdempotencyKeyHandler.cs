namespace Crm.Client.Http;

/// <summary>
/// Gives a <c>POST</c> to an endpoint that honours <c>Idempotency-Key</c> (<see cref="IdempotentCreatePaths"/>) a new
/// key when the caller sent none. It sits outside <see cref="RetryHandler"/>, so the key is chosen once per call and
/// every retry sends the same one: the server answers a repeat with the first response, and a retried capture never
/// creates two leads. Endpoints without server-side deduplication get no key, so they are not treated as safe to repeat.
/// </summary>
internal sealed class IdempotencyKeyHandler : DelegatingHandler
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>
    /// Path ends (under the gateway's base address) of the creating endpoints that deduplicate on the key, as in the
    /// OpenAPI document (an operation with an <c>Idempotency-Key</c> header parameter); <c>*</c> stands for one segment.
    /// </summary>
    internal static readonly IReadOnlyList<string> IdempotentCreatePaths = ["/api/leads", "/api/leads/batch", "/api/leads/*/activities", "/api/messaging/messages", "/api/messaging/messages/batch", "/api/messaging/calls", "/api/messaging/conversations/*/replies"];

    private static readonly string[][] Patterns = [.. IdempotentCreatePaths.Select(p => p.Split('/', StringSplitOptions.RemoveEmptyEntries))];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post
            && !request.Headers.Contains(HeaderName)
            && request.RequestUri is { IsAbsoluteUri: true } uri
            && TakesKey(uri.AbsolutePath))
        {
            request.Headers.TryAddWithoutValidation(HeaderName, Guid.CreateVersion7().ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>Whether the path ends with one of <see cref="IdempotentCreatePaths"/>, segment by segment.</summary>
    internal static bool TakesKey(string absolutePath)
    {
        var segments = absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return Patterns.Any(pattern => pattern.Length <= segments.Length
            && pattern.Select((part, i) => part == "*" || string.Equals(part, segments[segments.Length - pattern.Length + i], StringComparison.OrdinalIgnoreCase)).All(match => match));
    }
}
