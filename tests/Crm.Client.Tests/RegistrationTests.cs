using System.Net;
using Crm.Contracts.Api.Leads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Crm.Client.Tests;

/// <summary><c>AddCrmClient</c>: the same pipeline through IHttpClientFactory.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task A_registered_client_authenticates_generates_the_key_and_retries_with_it()
    {
        await using var server = await LoopbackServer.StartAsync((context, seen) => seen.Attempt == 1
            ? Answer.Problem(context, 429, "Too many requests.", retryAfter: "0")
            : Answer.Json(context, 201, Answer.Lead()));
        var services = new ServiceCollection();
        services.AddSingleton(new TokenSource("jwt-from-di"));
        services.AddCrmClient((provider, options) =>
        {
            options.BaseAddress = server.BaseAddress;
            var tokens = provider.GetRequiredService<TokenSource>();
            options.TokenProvider = tokens.GetAsync;
        });
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<ICrmApi>().CaptureLeadAsync(new CaptureLeadRequest { Email = "ada@example.com", Source = "web-form" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, server.Seen.Count);
        Assert.All(server.Seen, s => Assert.Equal("Bearer jwt-from-di", s.Header("Authorization")));
        Assert.NotNull(server.Seen[0].Header("Idempotency-Key"));
        Assert.Equal(server.Seen[0].Header("Idempotency-Key"), server.Seen[1].Header("Idempotency-Key"));
    }

    [Fact]
    public void Invalid_options_fail_when_the_client_is_built()
    {
        var services = new ServiceCollection();
        services.AddCrmClient(options => options.Retry.MaxAttempts = 0);
        using var provider = services.BuildServiceProvider();

        Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<ICrmApi>());
        Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IOptions<CrmClientOptions>>().Value);
    }

    private sealed class TokenSource(string token)
    {
        public ValueTask<string> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
    }
}
