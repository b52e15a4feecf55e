using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Testing;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>The gateway on real sockets (its own REST and management ports), as it runs in production.</summary>
public sealed class GatewayOverKestrelTests : IAsyncLifetime
{
    private readonly int _http = FreePort.Next();
    private readonly int _management = FreePort.Next();
    private EchoBackend _backend = null!;
    private GatewayFactory _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = new GatewayFactory(_backend.Address, new Dictionary<string, string?>
        {
            ["Ports:Bind"] = "127.0.0.1",
            ["Ports:Http"] = _http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ports:Management"] = _management.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Backends:leads:Health"] = new Uri(_backend.Address, "/health/ready").ToString(),
        });
        _gateway.UseKestrel();
        _gateway.StartServer();
        _client = new HttpClient();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFactory.Key);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    private Uri Api(string path) => new($"http://127.0.0.1:{_http}{path}");

    [Fact]
    public async Task Requests_on_the_http_port_are_proxied()
    {
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await _client.GetAsync(Api(path + "?x=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<SeenRequest>(CrmClient.JsonOptions);
        Assert.Equal(path, echo!.Path);
        Assert.Equal("?x=1", echo.Query);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_stopped_by_kestrel_with_413()
    {
        var path = $"/api/messaging/{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, Api(path)) { Content = new StreamContent(new NonSeekableStream(new byte[64 * 1024])) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task The_management_port_serves_health_and_no_api()
    {
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var ready = await _client.GetAsync(new Uri($"http://127.0.0.1:{_management}/health/ready"));
        using var api = await _client.GetAsync(new Uri($"http://127.0.0.1:{_management}{path}"));
        using var healthOnHttp = await _client.GetAsync(Api("/health/ready"));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("backend-leads", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.False(_backend.Saw(path));
        Assert.Equal(HttpStatusCode.NotFound, healthOnHttp.StatusCode);
    }

    [Theory]
    [InlineData("/api/leads/")]
    [InlineData("/api/contacts/")]
    [InlineData("/API/assignment/")]
    [InlineData("/api/unknown/")]
    public async Task The_api_on_the_management_port_is_a_404_problem_and_nothing_reaches_a_backend(string prefix)
    {
        var path = $"{prefix}{Guid.NewGuid():N}";
        var before = _backend.Requests.Count;

        using var get = await _client.GetAsync(new Uri($"http://127.0.0.1:{_management}{path}"));
        using var post = await _client.PostAsync(new Uri($"http://127.0.0.1:{_management}{path}"), JsonContent.Create(new { name = "x" }));

        foreach (var response in new[] { get, post })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(before, _backend.Requests.Count);
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    [InlineData("/metrics")]
    public async Task A_forged_host_header_does_not_open_health_or_metrics_on_the_public_port(string path)
    {
        var before = _backend.Requests.Count;
        using var honest = await _client.GetAsync(new Uri($"http://127.0.0.1:{_management}{path}"));
        Assert.Equal(HttpStatusCode.OK, honest.StatusCode);

        foreach (var host in new[] { $"localhost:{_management}", $"127.0.0.1:{_management}", $"gateway:{_management}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Api(path));
            request.Headers.Host = host;

            using var forged = await _client.SendAsync(request);

            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
            Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("backend-leads", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Health on the management port checks the backend; the forged requests forwarded nothing to it.
        Assert.Equal(before + (path == "/health/ready" ? 1 : 0), _backend.Requests.Count);
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1024));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
