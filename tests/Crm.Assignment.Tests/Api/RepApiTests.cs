using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Assignment;
using Crm.Testing;
using Xunit;

namespace Crm.Assignment.Tests.Api;

/// <summary>The rep endpoints. No leads flow in this class, so the shared factory's reps do not interfere.</summary>
public sealed class RepApiTests(CrmServiceFactory<AssignmentEntryPoint> factory) : IClassFixture<CrmServiceFactory<AssignmentEntryPoint>>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Creating_a_rep_returns_201_with_location_and_the_rep()
    {
        using var response = await _client.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = "  Ann Example  ", Capacity = 25 }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rep = (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/assignment/reps/{rep.Id}", response.Headers.Location?.ToString());
        Assert.Equal("Ann Example", rep.Name);
        Assert.Equal(25, rep.Capacity);
        Assert.True(rep.Active);
        Assert.Equal(0, rep.OpenLeads);
        Assert.Equal(1, rep.Version);
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equivalent(rep, await _client.ReadAsync<RepResponse>(response.Headers.Location!.ToString()), strict: true);
    }

    [Fact]
    public async Task Json_uses_the_platform_conventions()
    {
        var rep = await _client.CreateRepAsync("Json Rep", 2);

        var json = await _client.GetStringAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative));

        using var document = JsonDocument.Parse(json);
        Assert.Equal(rep.Id, document.RootElement.GetProperty("id").GetString());
        Assert.Equal(0, document.RootElement.GetProperty("openLeads").GetInt32());
        Assert.True(document.RootElement.GetProperty("active").GetBoolean());
        Assert.EndsWith("Z", document.RootElement.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"capacity":5}""", "name")]
    [InlineData("""{"name":"   ","capacity":5}""", "name")]
    [InlineData("""{"name":"Ann"}""", "capacity")]
    [InlineData("""{"name":"Ann","capacity":0}""", "capacity")]
    [InlineData("""{"name":"Ann","capacity":10001}""", "capacity")]
    [InlineData("""{"name":"Ann","capacity":"many"}""", "capacity")]
    [InlineData("""{"name":"Ann","capacity":5,"openLeads":3}""", "openLeads")]
    public async Task Invalid_reps_are_400_naming_the_field(string body, string field)
    {
        using var response = await _client.PostAsync(new Uri("/api/assignment/reps", UriKind.Relative), ApiHelpers.Json(body));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty(field, out _), $"errors should name '{field}': {errors}");
    }

    [Fact]
    public async Task A_name_longer_than_200_characters_is_rejected_and_200_is_fine()
    {
        using var tooLong = await _client.PostAsJsonAsync("/api/assignment/reps", new CreateRepRequest { Name = new string('n', 201), Capacity = 1 }, CrmClient.JsonOptions);
        var errors = await ApiHelpers.ErrorsAsync(tooLong);
        Assert.True(errors.TryGetProperty("name", out _));

        var rep = await _client.CreateRepAsync(new string('n', 200), 10_000);
        Assert.Equal(200, rep.Name.Length);
        Assert.Equal(10_000, rep.Capacity);
    }

    [Fact]
    public async Task Both_missing_fields_are_named_at_once()
    {
        using var response = await _client.PostAsync(new Uri("/api/assignment/reps", UriKind.Relative), ApiHelpers.Json("{}"));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("capacity", out _));
    }

    [Fact]
    public async Task Reps_are_listed_in_creation_order_with_a_cursor()
    {
        var created = new List<RepResponse>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await _client.CreateRepAsync($"Lister {Guid.NewGuid():N}", 1));
        }

        var all = new List<RepResponse>();
        string? cursor = null;
        do
        {
            var url = "/api/assignment/reps?limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor);
            var page = await _client.ReadAsync<Page<RepResponse>>(url);
            Assert.True(page.Items.Count <= 2);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(all.Select(r => r.Id).Order(StringComparer.Ordinal), all.Select(r => r.Id));
        Assert.Equal(all.Count, all.Select(r => r.Id).Distinct().Count());
        Assert.Equal(created.Select(r => r.Id), all.Select(r => r.Id).Intersect(created.Select(r => r.Id)));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=%%%", "cursor")]
    public async Task Bad_list_parameters_are_400_naming_them(string query, string field)
    {
        using var response = await _client.GetAsync(new Uri("/api/assignment/reps?" + query, UriKind.Relative));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_patch_changes_only_the_fields_sent()
    {
        var rep = await _client.CreateRepAsync("Patchy", 4);

        using var response = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json("""{"capacity":9}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patched = (await response.Content.ReadFromJsonAsync<RepResponse>(CrmClient.JsonOptions))!;
        Assert.Equivalent(rep with { Capacity = 9, Version = 2 }, patched, strict: true);
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task A_patch_deactivates_a_rep()
    {
        var rep = await _client.CreateRepAsync("Leaving", 4);

        using var response = await _client.PatchAsJsonAsync($"/api/assignment/reps/{rep.Id}", new UpdateRepRequest { Active = false }, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).Active);
    }

    [Theory]
    [InlineData("""{"capacity":0}""", "capacity")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"active":"yes"}""", "active")]
    [InlineData("""{"openLeads":0}""", "openLeads")]
    public async Task Invalid_patches_are_400_naming_the_field(string body, string field)
    {
        var rep = await _client.CreateRepAsync("Strict", 4);

        using var response = await _client.PatchAsync(new Uri($"/api/assignment/reps/{rep.Id}", UriKind.Relative), ApiHelpers.Json(body));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty(field, out _), $"errors should name '{field}': {errors}");
        Assert.Equivalent(rep, await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}"), strict: true);
    }

    [Fact]
    public async Task A_patch_with_the_current_version_succeeds_and_a_stale_one_is_412()
    {
        var rep = await _client.CreateRepAsync("Versioned", 4);

        using var first = await PatchWithIfMatchAsync(rep.Id, "\"1\"", """{"name":"Versioned 2"}""");
        using var stale = await PatchWithIfMatchAsync(rep.Id, "\"1\"", """{"name":"Lost update"}""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await stale.Content.ReadAsStringAsync());
        Assert.Equal(412, problem.RootElement.GetProperty("status").GetInt32());
        var current = await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}");
        Assert.Equal("Versioned 2", current.Name);
        Assert.Equal(2, current.Version);
    }

    [Fact]
    public async Task An_if_match_that_is_no_version_is_412()
    {
        var rep = await _client.CreateRepAsync("Tagged", 4);

        using var response = await PatchWithIfMatchAsync(rep.Id, "\"abc\"", """{"name":"Other"}""");

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("Tagged", (await _client.ReadAsync<RepResponse>($"/api/assignment/reps/{rep.Id}")).Name);
    }

    [Fact]
    public async Task Unknown_reps_are_404()
    {
        var id = Guid.NewGuid().ToString("N");

        using var get = await _client.GetAsync(new Uri($"/api/assignment/reps/{id}", UriKind.Relative));
        using var patch = await _client.PatchAsync(new Uri($"/api/assignment/reps/{id}", UriKind.Relative), ApiHelpers.Json("""{"name":"Ghost"}"""));
        using var patchWithTag = await PatchWithIfMatchAsync(id, "\"1\"", """{"name":"Ghost"}""");

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patchWithTag.StatusCode);
    }

    [Fact]
    public async Task An_unknown_lead_is_404()
    {
        using var response = await _client.GetAsync(new Uri($"/api/assignment/leads/{Guid.NewGuid():N}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task Bad_backlog_parameters_are_400_naming_them(string query, string field)
    {
        using var response = await _client.GetAsync(new Uri("/api/assignment/backlog?" + query, UriKind.Relative));

        var errors = await ApiHelpers.ErrorsAsync(response);
        Assert.True(errors.TryGetProperty(field, out _));
    }

    [Fact]
    public async Task The_client_in_contracts_matches_the_routes()
    {
        var api = Refit.RestService.For<ICrmApi>(_client, CrmClient.Settings);

        var created = await api.CreateRepAsync(new CreateRepRequest { Name = "Refit Rep", Capacity = 3 });
        var read = await api.GetRepAsync(created.Content!.Id);
        var updated = await api.UpdateRepAsync(created.Content.Id, new UpdateRepRequest { Capacity = 4 });
        var list = await api.ListRepsAsync();
        var lead = await api.GetLeadAssignmentAsync(Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equivalent(created.Content, read.Content, strict: true);
        Assert.Equal(4, updated.Content!.Capacity);
        Assert.True(list.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, lead.StatusCode);
    }

    private async Task<HttpResponseMessage> PatchWithIfMatchAsync(string id, string ifMatch, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/api/assignment/reps/{id}", UriKind.Relative)) { Content = ApiHelpers.Json(body) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await _client.SendAsync(request);
    }
}
