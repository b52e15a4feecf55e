using System.Net;
using System.Net.Http.Json;
using Crm.Client;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>Body size and per-key rate limits, answered by the gateway before a service is bothered.</summary>
public sealed class GatewayLimitsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_not_forwarded()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new ByteArrayContent(new byte[1025]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(CrmClient.JsonOptions);
        Assert.Equal(413, problem!.Status);
        Assert.False(Backend.Saw(path));
    }

    [Fact]
    public async Task A_body_at_the_limit_is_forwarded_whole()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/leads/{Guid.NewGuid():N}";

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new ByteArrayContent(new byte[1024]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1024, Assert.Single(Backend.Requests, r => r.Path == path).BodyBytes);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        using var client = fixture.Gateway.Api();
        var path = $"/api/messaging/{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ChunkedContent(new byte[4096]) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Exceeding_the_rate_limit_is_429_with_retry_after_per_key()
    {
        // One token, refilled every 100 s: the second request of the same key is over the limit, whatever the timing.
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:RateLimit:PermitsPerSecond"] = "0.01",
            ["Gateway:RateLimit:Burst"] = "1",
        });
        using var client = gateway.Api();
        var first = $"/api/leads/{Guid.NewGuid():N}";
        var second = $"/api/leads/{Guid.NewGuid():N}";

        using var allowed = await client.GetAsync(new Uri(first, UriKind.Relative));
        using var limited = await client.GetAsync(new Uri(second, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 100);
        Assert.False(Backend.Saw(second));

        // Another key has its own bucket.
        using var other = gateway.Api(GatewayFactory.HashedKey);
        using var otherResponse = await other.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
    }

    [Fact]
    public async Task Rejected_keys_do_not_spend_a_valid_keys_tokens()
    {
        await using var gateway = new GatewayFactory(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:RateLimit:PermitsPerSecond"] = "0.01",
            ["Gateway:RateLimit:Burst"] = "1",
        });
        using var anonymous = gateway.Api(apiKey: null);
        for (var i = 0; i < 3; i++)
        {
            using var rejected = await anonymous.GetAsync(new Uri("/api/leads", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        }

        using var client = gateway.Api();
        using var allowed = await client.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    /// <summary>A body whose length HttpClient cannot know, so it is sent chunked without Content-Length.</summary>
    private sealed class ChunkedContent(byte[] data) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            // In pieces, as a client streaming an upload would.
            for (var offset = 0; offset < data.Length; offset += 512)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(512, data.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
