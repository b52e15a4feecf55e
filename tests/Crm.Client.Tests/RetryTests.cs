using System.Diagnostics;
using System.Globalization;
using System.Net;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Api.Leads;
using Xunit;

namespace Crm.Client.Tests;

/// <summary>Retries against a real loopback server: 429/503 after Retry-After, idempotency keys, limits, transport failures.</summary>
public sealed class RetryTests
{
    private static readonly CaptureLeadRequest Capture = new() { Name = "Ada", Email = "ada@example.com", Source = "web-form", Channel = Channel.Web };

    internal static ICrmApi Client(LoopbackServer server, Action<CrmClientOptions>? configure = null)
    {
        var options = new CrmClientOptions
        {
            BaseAddress = server.BaseAddress,
            ApiKey = "test-key",
            Retry = { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromSeconds(5) },
        };
        configure?.Invoke(options);
        return CrmClient.Create(options);
    }

    [Fact]
    public async Task A_capture_answered_429_with_Retry_After_is_sent_again_after_the_pause_with_the_same_idempotency_key()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Problem(context, 429, "Too many requests.", retryAfter: "1")
            : Answer.Json(context, 201, Answer.Lead()));

        var clock = Stopwatch.StartNew();
        var response = await Client(server).CaptureLeadAsync(Capture);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("lead-1", response.Content!.Id);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed.TotalMilliseconds} ms, before Retry-After: 1");
        Assert.Equal(2, server.Seen.Count);
        var key = server.Seen[0].Header("Idempotency-Key");
        Assert.False(string.IsNullOrWhiteSpace(key));
        Assert.All(server.Seen, s => Assert.Equal(key, s.Header("Idempotency-Key")));
        Assert.Equal(server.Seen[0].Body, server.Seen[1].Body);
        Assert.Contains("\"channel\":\"web\"", server.Seen[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_the_caller_gives_is_sent_unchanged_on_every_attempt()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt < 3
            ? Answer.Problem(context, 503, "Contacts is unavailable.", retryAfter: "0")
            : Answer.Json(context, 201, Answer.Lead()));

        var response = await Client(server).CaptureLeadAsync(Capture, idempotencyKey: "form-4711");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["form-4711", "form-4711", "form-4711"], server.Seen.Select(s => s.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task Two_capture_calls_get_two_keys()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Json(context, 201, Answer.Lead()));
        var api = Client(server);

        await api.CaptureLeadAsync(Capture);
        await api.CaptureLeadAsync(Capture);

        Assert.Equal(2, server.Seen.Select(s => s.Header("Idempotency-Key")).Distinct().Count());
    }

    [Fact]
    public async Task A_503_on_a_read_is_retried()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Problem(context, 503, "Unavailable.", retryAfter: "0")
            : Answer.Json(context, 200, Answer.Lead()));

        var response = await Client(server).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Seen.Count);
    }

    [Fact]
    public async Task A_Retry_After_given_as_an_HTTP_date_is_waited_for()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Problem(context, 429, "Too many requests.", retryAfter: DateTimeOffset.UtcNow.AddSeconds(2).ToString("r", CultureInfo.InvariantCulture))
            : Answer.Json(context, 200, Answer.Lead()));

        var clock = Stopwatch.StartNew();
        var response = await Client(server).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Seen.Count);
        // The date has whole seconds: "now + 2 s" truncated is at least 1 s ahead.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task The_number_of_attempts_is_limited_and_the_last_answer_is_returned()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Problem(context, 429, "Too many requests.", retryAfter: "0"));

        var response = await Client(server, o => o.Retry.MaxAttempts = 3).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(3, server.Seen.Count);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_maximum_delay_is_not_waited_for()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Problem(context, 503, "Down for maintenance.", retryAfter: "120"));

        var clock = Stopwatch.StartNew();
        var response = await Client(server, o => o.Retry.MaxDelay = TimeSpan.FromSeconds(2)).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(server.Seen);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Without_Retry_After_the_back_off_never_exceeds_the_maximum_delay()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Problem(context, 503, "Unavailable."));

        var clock = Stopwatch.StartNew();
        var response = await Client(server, o =>
        {
            o.Retry.MaxAttempts = 3;
            o.Retry.BaseDelay = TimeSpan.FromSeconds(20); // 20 s then 40 s if it were not capped
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        }).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, server.Seen.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_400_problem_is_not_retried_and_surfaces_its_field_errors()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Json(
            context,
            400,
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"email":["Give an e-mail or a phone."],"source":["Required."]}}""",
            "application/problem+json"));

        var response = await Client(server).CaptureLeadAsync(new CaptureLeadRequest());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(server.Seen);
        var problem = response.GetProblem();
        Assert.NotNull(problem);
        Assert.Equal("One or more validation errors occurred.", problem.Title);
        Assert.Equal(["Give an e-mail or a phone."], problem.Errors["email"]);
        Assert.Equal(["Required."], problem.Errors["source"]);
        Assert.ThrowsAny<Refit.ApiException>(() => response.EnsureSuccess());
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_for_a_read()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Drop(context)
            : Answer.Json(context, 200, Answer.Lead()));

        var response = await Client(server).GetLeadAsync("lead-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Seen.Count);
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_for_a_capture_with_the_same_key()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Drop(context)
            : Answer.Json(context, 201, Answer.Lead()));

        var response = await Client(server).CaptureLeadAsync(Capture);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, server.Seen.Count);
        Assert.Equal(server.Seen[0].Header("Idempotency-Key"), server.Seen[1].Header("Idempotency-Key"));
    }

    [Fact]
    public async Task A_dropped_connection_is_not_retried_for_requests_that_could_apply_twice()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Drop(context));
        var api = Client(server);

        var created = await api.CreateRepAsync(new CreateRepRequest { Name = "Rita", Capacity = 5 });
        AssertTransportFailure(created);
        Assert.Single(server.Seen);
        Assert.Null(server.Seen[0].Header("Idempotency-Key"));

        var updated = await api.UpdateRepAsync("rep-1", new UpdateRepRequest { Capacity = 6 });
        AssertTransportFailure(updated);
        Assert.Equal(2, server.Seen.Count);
    }

    [Fact]
    public async Task A_read_whose_connection_keeps_dropping_fails_after_the_last_attempt()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => Answer.Drop(context));

        var response = await Client(server, o => o.Retry.MaxAttempts = 3).GetLeadAsync("lead-1");

        AssertTransportFailure(response);
        Assert.Equal(3, server.Seen.Count);
        Assert.Throws<Refit.ApiRequestException>(() => response.EnsureSuccess());
    }

    private static void AssertTransportFailure(Refit.IApiResponse response)
    {
        Assert.Null(response.StatusCode);
        var error = Assert.IsType<Refit.ApiRequestException>(response.Error);
        Assert.IsType<HttpRequestException>(error.InnerException, exactMatch: false);
    }
}
