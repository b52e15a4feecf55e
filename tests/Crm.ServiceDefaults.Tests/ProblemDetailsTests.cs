using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Contracts.Api;
using Crm.ServiceDefaults.Hosting;
using Crm.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Xunit;

namespace Crm.ServiceDefaults.Tests;

/// <summary>The shared HTTP rules: ProblemDetails for every error, unknown fields rejected, field names in errors.</summary>
public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public sealed record Body
    {
        public string? Name { get; init; }
        public Channel? Channel { get; init; }
        public int Count { get; init; }
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults("test");
        _app = builder.Build();
        _app.MapServiceDefaults();
        _app.MapPost("/things", (Body body) => Results.Ok(body));
        _app.MapPost("/validated", (Body body) =>
        {
            new ValidationErrors().Add("name", "Name is required.").ThrowIfAny();
            return Results.Ok();
        });
        _app.MapGet("/boom", IResult () => throw new InvalidOperationException("secret internals"));
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_known_body_is_accepted_with_lower_case_enums()
    {
        var response = await _client.PostAsync("/things", Json("""{"name":"a","channel":"whatsapp","count":2}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"channel\":\"whatsapp\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_field_is_a_400_naming_the_field()
    {
        var problem = await ProblemAsync(await _client.PostAsync("/things", Json("""{"name":"a","ownerId":"x"}""")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("ownerId", out _), problem.ToString());
    }

    [Fact]
    public async Task A_wrong_enum_value_is_a_400_naming_the_field()
    {
        var problem = await ProblemAsync(await _client.PostAsync("/things", Json("""{"channel":"pigeon"}""")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("channel", out _), problem.ToString());
    }

    [Fact]
    public async Task A_wrong_type_is_a_400_naming_the_field()
    {
        var problem = await ProblemAsync(await _client.PostAsync("/things", Json("""{"count":"many"}""")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("count", out _), problem.ToString());
    }

    [Fact]
    public async Task Validation_errors_are_a_400_with_field_reasons()
    {
        var problem = await ProblemAsync(await _client.PostAsync("/validated", Json("{}")), HttpStatusCode.BadRequest);
        Assert.Equal("Name is required.", problem.GetProperty("errors").GetProperty("name")[0].GetString());
        Assert.True(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task An_unexpected_error_is_a_500_problem_without_internals()
    {
        var response = await _client.GetAsync("/boom");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("secret internals", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_problem_and_request_ids_are_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nothing-here");
        request.Headers.Add("X-Request-Id", "req-123");
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("req-123", response.Headers.GetValues("X-Request-Id").Single());
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
