using System.Reflection;
using Refit;

namespace Crm.Client.Http;

/// <summary>
/// Gives a request to an <see cref="IdempotentCreateAttribute"/> endpoint an <c>Idempotency-Key</c> when it has none.
/// It sits outside <see cref="RetryHandler"/>, so the key is chosen once per call and every retry sends the same one:
/// the server answers a repeat with the first response, and a retried capture never creates two leads.
/// </summary>
internal sealed class IdempotencyKeyHandler : DelegatingHandler
{
    public const string HeaderName = "Idempotency-Key";

    private static readonly HttpRequestOptionsKey<RestMethodInfo> MethodKey = new(HttpRequestMessageOptions.RestMethodInfo);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(HeaderName)
            && request.Options.TryGetValue(MethodKey, out var method)
            && method.MethodInfo.GetCustomAttribute<IdempotentCreateAttribute>() is not null)
        {
            request.Headers.TryAddWithoutValidation(HeaderName, Guid.CreateVersion7().ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
