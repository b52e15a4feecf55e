using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api.Assignment;
using Crm.Contracts.Assignment;
using Crm.Testing;
using MassTransit.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>A rep's work e-mail and phone: through the reps API, validated, carried by <c>RepCreated</c> / <c>RepChanged</c>.</summary>
public sealed class RepAddressTests(CrmServiceFactory<AssignmentEntryPoint> factory) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static Task<T> PublishedAsync<T>(ITestHarness harness, Func<T, bool> match)
        where T : class =>
        Poll.ForAsync(
            () => Task.FromResult(harness.Published.Select<T>(x => match(x.Context.Message)).FirstOrDefault()?.Context.Message),
            $"{typeof(T).Name} to be published");

    [Fact]
    public async Task A_rep_created_with_an_email_and_phone_shows_them_and_RepCreated_carries_them()
    {
        using var response = await _client.PostAsJsonAsync(
            "/api/assignment/reps",
            new CreateRepRequest { Name = "Mail Mia", Capacity = 5, Email = "  Mia.Rep@Example.COM ", Phone = "+34600111222" },
            CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rep = (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(("mia.rep@example.com", "+34600111222"), (rep.Email, rep.Phone));
        Assert.Equivalent(rep, await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}"), strict: true);
        var created = await PublishedAsync<RepCreated>(factory.Harness, e => e.RepId == rep.Id);
        Assert.Equal(("mia.rep@example.com", "+34600111222"), (created.Email, created.Phone));
    }

    [Fact]
    public async Task A_patch_sets_changes_and_removes_the_addresses_and_RepChanged_carries_them()
    {
        var rep = await _client.CreateRepAsync("Mail Max", 5);
        Assert.Equal(((string?)null, (string?)null), (rep.Email, rep.Phone));

        using var set = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"email":"max@example.com","phone":"+4915112345678"}"""));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var afterSet = (await set.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(("max@example.com", "+4915112345678", 2L), (afterSet.Email, afterSet.Phone, afterSet.Version));
        var changed = await PublishedAsync<RepChanged>(factory.Harness, e => e.RepId == rep.Id && e.Version == 2);
        Assert.Equal(("max@example.com", "+4915112345678"), (changed.Email, changed.Phone));

        // Absent: unchanged (the capacity patch keeps them); an empty string removes one.
        using var other = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"capacity":6}"""));
        Assert.Equal(("max@example.com", "+4915112345678"), ((await other.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.Email, (await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).Phone));
        using var removed = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"phone":""}"""));
        var afterRemove = (await removed.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal(("max@example.com", (string?)null, 4L), (afterRemove.Email, afterRemove.Phone, afterRemove.Version));
        var last = await PublishedAsync<RepChanged>(factory.Harness, e => e.RepId == rep.Id && e.Version == 4);
        Assert.Equal(("max@example.com", (string?)null), (last.Email, last.Phone));

        // The same address again is no change: no new version, no event.
        using var same = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"email":"MAX@example.com"}"""));
        Assert.Equal(4L, (await same.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!.Version);
    }

    [Theory]
    [InlineData("""{"name":"Ann","capacity":5,"email":"ann"}""", "email")]
    [InlineData("""{"name":"Ann","capacity":5,"email":"ann@example"}""", "email")]
    [InlineData("""{"name":"Ann","capacity":5,"email":"a b@example.com"}""", "email")]
    [InlineData("""{"name":"Ann","capacity":5,"email":"a@b@example.com"}""", "email")]
    [InlineData("""{"name":"Ann","capacity":5,"phone":"600111222"}""", "phone")]
    [InlineData("""{"name":"Ann","capacity":5,"phone":"+34 600 111 222"}""", "phone")]
    [InlineData("""{"name":"Ann","capacity":5,"phone":"+1234567"}""", "phone")]
    public async Task Bad_addresses_are_400_naming_the_field(string body, string field)
    {
        using var response = await _client.PostAsync(new Uri("/api/assignment/reps", UriKind.Relative), ApiHelpers.Json(body));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty(field, out _), $"errors should name '{field}': {errors}");
    }

    [Fact]
    public async Task A_bad_patch_names_both_fields_and_changes_nothing()
    {
        var rep = await _client.CreateRepAsync("Mail Moe", 5);

        using var response = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"email":"@example.com","phone":"+0123456789"}"""));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("email", out _) && errors.TryGetProperty("phone", out _), errors.ToString());
        Assert.Equivalent(rep, await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}"), strict: true);
    }

    [Fact]
    public void Rep_events_written_before_the_addresses_existed_still_read()
    {
        const string older = """{"eventId":"0190a1b2-0000-7000-8000-000000000001","occurredAt":"2026-11-01T10:00:00Z","repId":"r1","name":"Old Rep","capacity":5,"active":true,"version":3,"changedBy":{"kind":"key","id":"k","name":"k"}}""";

        var created = JsonSerializer.Deserialize<RepCreated>(older, CrmClient.JsonOptions)!;
        var changed = JsonSerializer.Deserialize<RepChanged>(older, CrmClient.JsonOptions)!;

        Assert.Equal(("r1", (string?)null, (string?)null), (created.RepId, created.Email, created.Phone));
        Assert.Equal(("Old Rep", 3L, (string?)null), (changed.Name, changed.Version, changed.Phone));
    }
}
