using System.Net.Http.Headers;

namespace Crm.Client.Http;

/// <summary>
/// Sets <c>Authorization: Bearer &lt;token&gt;</c> on every attempt (it sits inside <see cref="RetryHandler"/>), asking
/// the token source each time, so an expiring token is refreshed even between retries. Without a source it adds nothing.
/// </summary>
internal sealed class BearerTokenHandler(Func<CancellationToken, ValueTask<string>>? token) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token is not null)
        {
            var value = await token(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException("The CRM token provider returned an empty token.");
            }

            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
