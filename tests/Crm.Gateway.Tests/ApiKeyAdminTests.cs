using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Client;
using Crm.Contracts.Api;
using Crm.Contracts.Api.Gateway;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary><c>/api/gateway/keys</c>: keys as data, created, used, listed, revoked and rotated through the gateway.</summary>
public sealed class ApiKeyAdminTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private EchoBackend Backend => fixture.Backend;

    private async Task<CreatedApiKeyResponse> CreateAsync(object body)
    {
        using var admin = fixture.Gateway.Api();
        using var response = await admin.PostAsJsonAsync("/api/gateway/keys", body, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;
        Assert.Equal($"/api/gateway/keys/{created.ApiKey.Id}", response.Headers.Location?.OriginalString);
        return created;
    }

    private async Task<HttpResponseMessage> GetAsync(string key, string path)
    {
        using var client = fixture.Gateway.Api(key);
        return await client.GetAsync(new Uri(path, UriKind.Relative));
    }

    [Fact]
    public async Task A_created_key_is_shown_once_works_with_its_scopes_and_is_listed_without_its_secret()
    {
        var name = $"web-shop-{Guid.NewGuid():N}"[..20];
        var created = await CreateAsync(new { name, scopes = new[] { "leads:read" } });

        Assert.StartsWith("crm_", created.Key, StringComparison.Ordinal);
        Assert.True(created.Key.Length >= 50);
        Assert.Equal(created.Key[..12], created.ApiKey.Prefix);
        Assert.Equal("active", created.ApiKey.Status);
        Assert.Equal(GatewayFactory.KeyName, created.ApiKey.CreatedBy);

        var path = $"/api/leads/{Guid.NewGuid():N}";
        using var read = await GetAsync(created.Key, path);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var seen = Assert.Single(Backend.Requests, r => r.Path == path);
        Assert.Equal(name, seen.Caller);
        Assert.Equal("leads:read", seen.CallerScopes);

        using var client = fixture.Gateway.Api(created.Key);
        using var write = await client.PostAsJsonAsync("/api/leads", new { }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);

        using var admin = fixture.Gateway.Api();
        var list = await admin.GetFromJsonAsync<Page<ApiKeyResponse>>("/api/gateway/keys?limit=500", CrmClient.JsonOptions);
        var listed = Assert.Single(list!.Items, k => k.Id == created.ApiKey.Id);
        Assert.Equal(created.ApiKey.Prefix, listed.Prefix);
        var raw = await admin.GetStringAsync(new Uri($"/api/gateway/keys/{created.ApiKey.Id}", UriKind.Relative));
        Assert.DoesNotContain(created.Key, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_with_a_401_saying_so()
    {
        var created = await CreateAsync(new { name = "to-revoke", scopes = new[] { "leads:read" } });
        using (var before = await GetAsync(created.Key, $"/api/leads/{Guid.NewGuid():N}"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var admin = fixture.Gateway.Api();
        using var revoke = await admin.DeleteAsync(new Uri($"/api/gateway/keys/{created.ApiKey.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var path = $"/api/leads/{Guid.NewGuid():N}";
        using var after = await GetAsync(created.Key, path);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(Backend.Saw(path));
        var stored = await admin.GetFromJsonAsync<ApiKeyResponse>($"/api/gateway/keys/{created.ApiKey.Id}", CrmClient.JsonOptions);
        Assert.Equal("revoked", stored!.Status);
        Assert.Equal(GatewayFactory.KeyName, stored.RevokedBy);
    }

    [Fact]
    public async Task Rotation_gives_a_new_key_with_the_same_settings_and_the_old_one_works_only_for_the_overlap()
    {
        var created = await CreateAsync(new { name = "pos", scopes = new[] { "leads:read", "contacts:read" } });
        using var admin = fixture.Gateway.Api();

        using var rotate = await admin.PostAsJsonAsync($"/api/gateway/keys/{created.ApiKey.Id}/rotate", new { overlapMinutes = 60 }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, rotate.StatusCode);
        var rotated = (await rotate.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;
        Assert.NotEqual(created.Key, rotated.Key);
        Assert.Equal(created.ApiKey.Id, rotated.ApiKey.RotatedFrom);
        Assert.Equal(created.ApiKey.Scopes, rotated.ApiKey.Scopes);
        using (var both = await GetAsync(created.Key, $"/api/contacts/{Guid.NewGuid():N}"))
        {
            Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        }

        using (var fresh = await GetAsync(rotated.Key, $"/api/contacts/{Guid.NewGuid():N}"))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        // Rotating the new key again without overlap ends it at once.
        using var again = await admin.PostAsJsonAsync($"/api/gateway/keys/{rotated.ApiKey.Id}/rotate", new { overlapMinutes = 0 }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        using var ended = await GetAsync(rotated.Key, $"/api/contacts/{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Contains("expired", await ended.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_limited_to_other_addresses_is_refused()
    {
        var created = await CreateAsync(new { name = "office-only", scopes = new[] { "leads:read" }, allowedIps = new[] { "203.0.113.0/24" } });

        using var response = await GetAsync(created.Key, $"/api/leads/{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not accepted from this address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_limited_to_the_callers_address_works_on_real_sockets()
    {
        await using var gateway = GatewayFactory.StartOnSockets(Backend.Address);
        using var admin = gateway.HttpOnSockets();
        using var create = await admin.PostAsJsonAsync("/api/gateway/keys", new { name = "loopback", scopes = new[] { "leads:read" }, allowedIps = new[] { "127.0.0.1", "::1" } }, CrmClient.JsonOptions);
        var created = (await create.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;

        using var client = gateway.HttpOnSockets(created.Key);
        using var response = await client.GetAsync(new Uri($"/api/leads/{Guid.NewGuid():N}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Every_bad_field_of_a_new_key_is_named_at_once_and_nothing_is_stored()
    {
        using var admin = fixture.Gateway.Api();
        var before = (await admin.GetFromJsonAsync<Page<ApiKeyResponse>>("/api/gateway/keys?limit=500", CrmClient.JsonOptions))!.Items.Count;
        var body = new
        {
            name = "",
            scopes = new[] { "leads:write", "crm:everything" },
            expiresAt = DateTimeOffset.UtcNow.AddDays(-1),
            allowedIps = new[] { "not-an-address" },
            rateLimit = new { permitsPerSecond = 0, burst = 0 },
            dailyQuota = 0,
        };

        using var response = await admin.PostAsJsonAsync("/api/gateway/keys", body, CrmClient.JsonOptions);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["allowedIps", "dailyQuota", "expiresAt", "name", "rateLimit.burst", "rateLimit.permitsPerSecond", "scopes"], fields);
        Assert.Equal(before, (await admin.GetFromJsonAsync<Page<ApiKeyResponse>>("/api/gateway/keys?limit=500", CrmClient.JsonOptions))!.Items.Count);
    }

    [Fact]
    public async Task A_client_cannot_set_the_hash_or_any_field_the_gateway_owns()
    {
        using var admin = fixture.Gateway.Api();
        using var content = new StringContent("""{"name":"sneaky","scopes":["leads:read"],"hash":"00","createdBy":"someone-else"}""", Encoding.UTF8, "application/json");

        using var response = await admin.PostAsync(new Uri("/api/gateway/keys", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/gateway/keys")]
    [InlineData("POST", "/api/gateway/keys")]
    [InlineData("DELETE", "/api/gateway/keys/x")]
    [InlineData("POST", "/api/gateway/keys/x/rotate")]
    public async Task Only_gateway_admin_manages_keys(string method, string path)
    {
        using var client = fixture.Gateway.Api(GatewayFactory.HashedKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { name = "x", scopes = new[] { "gateway:admin" } }, options: CrmClient.JsonOptions);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("gateway:admin", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var anonymous = fixture.Gateway.Api(apiKey: null);
        using var noKey = await anonymous.GetAsync(new Uri("/api/gateway/keys", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task Unknown_keys_are_404_and_a_revoked_key_cannot_be_rotated()
    {
        using var admin = fixture.Gateway.Api();
        using var missing = await admin.GetAsync(new Uri("/api/gateway/keys/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var created = await CreateAsync(new { name = "gone", scopes = new[] { "leads:read" } });
        using (await admin.DeleteAsync(new Uri($"/api/gateway/keys/{created.ApiKey.Id}", UriKind.Relative)))
        {
        }

        using var rotate = await admin.PostAsJsonAsync($"/api/gateway/keys/{created.ApiKey.Id}/rotate", new { }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Conflict, rotate.StatusCode);
    }
}
