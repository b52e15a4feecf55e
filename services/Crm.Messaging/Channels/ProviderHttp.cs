using System.Net;
using System.Text.Json;
using Crm.ServiceDefaults.Messaging;

namespace Crm.Messaging.Channels;

/// <summary>
/// One HTTP call to an SMS / WhatsApp provider, with the adapters' failure contract: no connection or a time-out
/// before the request was written is unavailable (retried); a time-out or a broken connection after it was written is
/// unknown (the provider may have taken it); 5xx and 429 unavailable; any other 4xx a refusal for good.
/// </summary>
internal static class ProviderHttp
{
    public static async Task<JsonDocument> SendAsync(HttpClient client, HttpRequestMessage request, string provider, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cts.Token);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw new DependencyUnavailableException($"{provider} cannot be reached: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // The request may have reached the provider: a retry waits for the claim's lease, then sends under the same id.
            throw new ChannelOutcomeUnknownException($"{provider} did not answer: {ex.Message}", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if (response.StatusCode is >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            {
                throw new DependencyUnavailableException($"{provider} answered {(int)response.StatusCode}: try again later.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ChannelRejectedException($"{provider} refused the message ({(int)response.StatusCode}): {Truncate(text)}");
            }

            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new ChannelOutcomeUnknownException($"{provider} answered {(int)response.StatusCode} without JSON.", ex);
            }
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];
}
