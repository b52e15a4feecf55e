using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Crm.Messaging.Webhooks;

/// <summary>Resolves a destination's host (an IP literal is itself); replaced in tests to answer what a DNS would.</summary>
public interface IWebhookHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system's DNS.</summary>
public sealed class DnsWebhookHostResolver : IWebhookHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var address) ? Task.FromResult(new[] { address }) : Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>A destination the SSRF rule refuses (<see cref="DestinationGuard"/>).</summary>
public sealed class DestinationRefusedException(string reason) : Exception(reason);

/// <summary>
/// POSTs deliveries. Its connections are opened by <see cref="ConnectAsync"/>: the host is resolved, every address
/// checked by <see cref="DestinationGuard"/>, and the socket connected to one of those checked addresses — never to
/// whatever a second DNS answer would say. No proxy, no redirects (a 3xx is a failed attempt), a timeout per attempt.
/// </summary>
public sealed class WebhookHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly IWebhookHostResolver _resolver;
    private readonly WebhookOptions _options;
    private readonly IReadOnlyList<AllowedDestination> _allowed;
    private readonly TimeProvider _time;

    public WebhookHttp(IWebhookHostResolver resolver, WebhookOptions options, TimeProvider time)
    {
        _resolver = resolver;
        _options = options;
        _time = time;
        _allowed = DestinationGuard.ParseAll(options.AllowedDestinations);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Crm-Webhooks/1.0");
    }

    public IReadOnlyList<AllowedDestination> Allowed => _allowed;

    /// <summary>Why the URL may not be subscribed (null: it may): its shape, then every address its host resolves to.</summary>
    public async Task<string?> CheckDestinationAsync(string? url, CancellationToken cancellationToken)
    {
        if (DestinationGuard.CheckUrl(url, _options.AllowHttp, out var uri) is { } wrong)
        {
            return wrong;
        }

        if (DestinationGuard.HostAllowed(uri!.IdnHost, _allowed))
        {
            return null;
        }

        try
        {
            return DestinationGuard.CheckAddresses(uri.IdnHost, await _resolver.ResolveAsync(uri.IdnHost, cancellationToken), _allowed);
        }
        catch (SocketException)
        {
            return $"{uri.IdnHost} does not resolve.";
        }
    }

    /// <summary>One attempt: the body POSTed with its id, timestamp and signature; what came of it.</summary>
    public async Task<WebhookAttempt> SendAsync(WebhookSubscription subscription, WebhookDelivery delivery, bool replay, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        WebhookAttempt Result(int? status, string? error) => new()
        {
            At = at,
            StatusCode = status,
            DurationMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            Error = error,
            Replay = replay,
        };

        if (DestinationGuard.CheckUrl(subscription.Url, _options.AllowHttp, out var uri) is { } wrong)
        {
            return Result(null, $"Refused destination: {wrong}");
        }

        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Content = new StringContent(delivery.Payload, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.IdHeader, delivery.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(subscription.Secret, delivery.Id, timestamp, delivery.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return Result(status, status is >= 200 and < 300 ? null : $"HTTP {status} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Result(null, $"Timed out after {_options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            var refused = Find<DestinationRefusedException>(ex);
            return Result(null, refused is not null ? $"Refused destination: {refused.Message}" : $"{ex.HttpRequestError}: {ex.Message}");
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await _resolver.ResolveAsync(host, cancellationToken);
        if (DestinationGuard.CheckAddresses(host, addresses, _allowed) is { } refusal)
        {
            throw new DestinationRefusedException(refusal);
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    public void Dispose() => _client.Dispose();
}
