using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Crm.Messaging.Tests.Webhooks;

/// <summary>A partner's webhook endpoint: WireMock.Net on loopback, answering <see cref="Status"/> to every POST of <c>/hook</c>.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();

    public WebhookReceiver()
    {
        _server.Given(Request.Create().WithPath("/hook").UsingPost())
            .RespondWith(Response.Create().WithCallback(_ => new ResponseMessage { StatusCode = Status }));
    }

    /// <summary>What the receiver answers now.</summary>
    public int Status { get; set; } = 200;

    /// <summary>The URL to subscribe: the loopback address itself (allowed by the tests' <c>Webhooks:AllowedDestinations</c>).</summary>
    public string Url => $"http://127.0.0.1:{_server.Port}/hook";

    public int Port => _server.Port;

    /// <summary>The POSTs received, oldest first.</summary>
    public IReadOnlyList<Received> Requests =>
        _server.LogEntries
            .OrderBy(e => e.RequestMessage.DateTime)
            .Select(e => new Received(
                e.RequestMessage.Headers!.ToDictionary(h => h.Key, h => h.Value.ToString()!, StringComparer.OrdinalIgnoreCase),
                e.RequestMessage.Body ?? string.Empty))
            .ToList();

    public void Dispose() => _server.Stop();

    public sealed record Received(IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException(name);
    }
}
