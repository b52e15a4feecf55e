using System.Net;
using Xunit;

namespace Crm.Client.Tests;

/// <summary>API keys and token providers both end up as <c>Authorization: Bearer</c>.</summary>
public sealed class AuthTests
{
    [Fact]
    public async Task An_api_key_is_sent_as_a_bearer_token()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Json(context, 200, Answer.Lead()));

        await RetryTests.Client(server, o => o.ApiKey = "crm_key_123").GetLeadAsync("lead-1");

        Assert.Equal("Bearer crm_key_123", Assert.Single(server.Seen).Header("Authorization"));
    }

    [Fact]
    public async Task A_token_provider_is_asked_again_for_every_request_and_every_attempt()
    {
        var calls = 0;
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Problem(context, 503, "Unavailable.", retryAfter: "0")
            : Answer.Json(context, 200, Answer.Lead()));
        var api = RetryTests.Client(server, o =>
        {
            o.ApiKey = null;
            o.TokenProvider = _ => ValueTask.FromResult($"jwt-{Interlocked.Increment(ref calls)}");
        });

        var first = await api.GetLeadAsync("lead-1");
        var second = await api.GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["Bearer jwt-1", "Bearer jwt-2", "Bearer jwt-3"], server.Seen.Select(s => s.Header("Authorization")));
    }

    [Fact]
    public async Task Without_a_credential_no_authorization_header_is_sent()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Problem(context, 401, "Unauthorized."));

        var response = await RetryTests.Client(server, o => o.ApiKey = null).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(Assert.Single(server.Seen).Header("Authorization"));
    }

    [Fact]
    public void An_api_key_and_a_token_provider_together_are_rejected()
    {
        var options = new CrmClientOptions
        {
            BaseAddress = new Uri("http://127.0.0.1:1/"),
            ApiKey = "key",
            TokenProvider = _ => ValueTask.FromResult("jwt"),
        };

        Assert.Throws<InvalidOperationException>(() => CrmClient.Create(options));
    }
}
