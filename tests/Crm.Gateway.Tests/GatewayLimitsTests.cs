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
    public async Task The_import_upload_route_takes_bodies_over_the_general_limit_and_over_the_servers_default()
    {
        // On real sockets: Kestrel's own default (30,000,000 bytes) would answer 413 if the route's limit were not raised.
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:UploadLimits:/api/contacts/imports"] = "40000000",
        });
        using var client = gateway.HttpOnSockets();
        var body = new byte[31_000_000];

        using var upload = await client.PostAsync(new Uri("/api/contacts/imports", UriKind.Relative), new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(body.Length, Backend.Requests.Last(r => r.Path == "/api/contacts/imports").BodyBytes);

        // Elsewhere the general limit holds.
        using var elsewhere = await client.PostAsync(new Uri($"/api/contacts/{Guid.NewGuid():N}", UriKind.Relative), new ByteArrayContent(new byte[1025]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, elsewhere.StatusCode);
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

    [Fact]
    public async Task Answers_carry_the_keys_rate_limit_headers()
    {
        using var client = fixture.Gateway.Api();

        using var response = await client.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1000", Assert.Single(response.Headers.GetValues("RateLimit-Limit")));
        var remaining = long.Parse(Assert.Single(response.Headers.GetValues("RateLimit-Remaining")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 0, 999);
        Assert.True(long.Parse(Assert.Single(response.Headers.GetValues("RateLimit-Reset")), System.Globalization.CultureInfo.InvariantCulture) >= 0);
    }

    [Fact]
    public async Task A_stored_key_has_its_own_bucket_and_daily_quota()
    {
        using var admin = fixture.Gateway.Api();
        async Task<string> CreateAsync(object body)
        {
            using var response = await admin.PostAsJsonAsync("/api/gateway/keys", body, CrmClient.JsonOptions);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<Crm.Contracts.Api.Gateway.CreatedApiKeyResponse>(CrmClient.JsonOptions))!.Key;
        }

        var slow = await CreateAsync(new { name = $"slow-{Guid.NewGuid():N}", scopes = new[] { "leads:read" }, rateLimit = new { permitsPerSecond = 0.01, burst = 1 } });
        var quota = await CreateAsync(new { name = $"quota-{Guid.NewGuid():N}", scopes = new[] { "leads:read" }, dailyQuota = 2 });

        using var slowClient = fixture.Gateway.Api(slow);
        using (var first = await slowClient.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("1", Assert.Single(first.Headers.GetValues("RateLimit-Limit")));
        }

        var limitedPath = $"/api/leads/{Guid.NewGuid():N}";
        using (var second = await slowClient.GetAsync(new Uri(limitedPath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.NotNull(second.Headers.RetryAfter?.Delta);
        }

        Assert.False(Backend.Saw(limitedPath));

        using var quotaClient = fixture.Gateway.Api(quota);
        for (var i = 0; i < 2; i++)
        {
            using var within = await quotaClient.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        }

        using var over = await quotaClient.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Contains("daily quota of 2", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.InRange(over.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 86_400);

        // The default key is not slowed by the others.
        using var other = await admin.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Too_many_failed_authentications_from_one_address_are_429_before_any_key_is_looked_up()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address, new Dictionary<string, string?>
        {
            ["Gateway:FailedAuth:MaxFailures"] = "3",
            ["Gateway:FailedAuth:Window"] = "00:10:00",
        });
        using var guesser = gateway.HttpOnSockets("guess-0");
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await guesser.GetAsync(new Uri($"/api/leads/{i}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var blocked = await guesser.GetAsync(new Uri("/api/leads/3", UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.InRange(blocked.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 600);
        Assert.Contains("failed authentications", await blocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same address is blocked whatever it sends next, a valid key included, until the window ends.
        using var valid = gateway.HttpOnSockets();
        using var alsoBlocked = await valid.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, alsoBlocked.StatusCode);
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
