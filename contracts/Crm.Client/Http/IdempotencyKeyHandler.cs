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

    /// <summary>Path ends (under the gateway's base address) of the creating endpoints that deduplicate on the key.</summary>
    internal static readonly IReadOnlyList<string> IdempotentCreatePaths = ["/api/leads"];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post
            && !request.Headers.Contains(HeaderName)
            && request.RequestUri is { IsAbsoluteUri: true } uri
            && IdempotentCreatePaths.Any(path => uri.AbsolutePath.TrimEnd('/').EndsWith(path, StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(HeaderName, Guid.CreateVersion7().ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
