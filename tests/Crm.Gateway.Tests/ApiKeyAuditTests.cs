using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Crm.Client;
using Crm.Contracts.Api.Gateway;
using Crm.Contracts.Audit;
using Crm.Gateway.Auth;
using Crm.Gateway.Keys;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>
/// Who created, revoked or rotated a key: recorded on the stored key (an <see cref="Actor"/>: the admin key or person)
/// and written as one line per action to the audit log (<c>Crm.Audit</c>), never with the key itself.
/// </summary>
public sealed class ApiKeyAuditTests(PeopleFixture fixture) : IClassFixture<PeopleFixture>
{
    private static readonly Actor ConfiguredAdminKey = new() { Kind = "key", Id = GatewayFactory.KeyName, Name = GatewayFactory.KeyName };

    private HttpClient Admin(string? token = null)
    {
        var client = fixture.Gateway.Api();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static async Task<CreatedApiKeyResponse> CreateAsync(HttpClient admin, string name, params string[] scopes)
    {
        using var response = await admin.PostAsJsonAsync("/api/gateway/keys", new { name, scopes }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;
    }

    private static async Task<ApiKeyResponse> GetAsync(HttpClient admin, string id) =>
        (await admin.GetFromJsonAsync<ApiKeyResponse>($"/api/gateway/keys/{id}", CrmClient.JsonOptions))!;

    private CapturedLog[] AuditOf(string keyId) =>
        [.. fixture.Gateway.Logs.Of(KeyAudit.Category).Where(l => Value(l, "KeyId") == keyId)];

    private static string? Value(CapturedLog line, string name) => line.Values.GetValueOrDefault(name)?.ToString();

    [Fact]
    public async Task Creating_revoking_and_rotating_record_the_admin_key_and_log_one_audit_line_each()
    {
        using var admin = Admin();
        var revoked = await CreateAsync(admin, "audit-revoked", "leads:read");
        var rotated = await CreateAsync(admin, "audit-rotated", "leads:read");

        using (var revoke = await admin.DeleteAsync(new Uri($"/api/gateway/keys/{revoked.ApiKey.Id}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var rotate = await admin.PostAsJsonAsync($"/api/gateway/keys/{rotated.ApiKey.Id}/rotate", new { overlapMinutes = 5 }, CrmClient.JsonOptions);
        Assert.Equal(HttpStatusCode.Created, rotate.StatusCode);
        var replacement = (await rotate.Content.ReadFromJsonAsync<CreatedApiKeyResponse>(CrmClient.JsonOptions))!;

        Assert.Equal(ConfiguredAdminKey, revoked.ApiKey.CreatedByActor);
        var afterRevoke = await GetAsync(admin, revoked.ApiKey.Id);
        Assert.Equal((ConfiguredAdminKey, GatewayFactory.KeyName), (afterRevoke.RevokedByActor, afterRevoke.RevokedBy));
        Assert.Null(afterRevoke.RotatedByActor);
        var afterRotate = await GetAsync(admin, rotated.ApiKey.Id);
        Assert.Equal(ConfiguredAdminKey, afterRotate.RotatedByActor);
        Assert.NotNull(afterRotate.RotatedAt);
        Assert.Null(afterRotate.RevokedByActor);
        Assert.Equal(ConfiguredAdminKey, replacement.ApiKey.CreatedByActor);
        Assert.Null(replacement.ApiKey.RotatedByActor);

        Assert.Equal(new[] { "created", "revoked" }, AuditOf(revoked.ApiKey.Id).Select(l => Value(l, "Action")));
        Assert.Equal(new[] { "created", "rotated" }, AuditOf(rotated.ApiKey.Id).Select(l => Value(l, "Action")));
        var secrets = new[] { revoked.Key, rotated.Key, replacement.Key, ApiKeyRegistry.Sha256Hex(revoked.Key), ApiKeyRegistry.Sha256Hex(replacement.Key) };
        foreach (var line in AuditOf(revoked.ApiKey.Id).Concat(AuditOf(rotated.ApiKey.Id)))
        {
            Assert.Equal(("key", GatewayFactory.KeyName, GatewayFactory.KeyName), (Value(line, "ActorKind"), Value(line, "ActorId"), Value(line, "ActorName")));
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, line.Message, StringComparison.Ordinal));
        }

        Assert.Contains(replacement.ApiKey.Id, Assert.Single(AuditOf(rotated.ApiKey.Id), l => Value(l, "Action") == "rotated").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_admin_is_recorded_with_their_subject_name_and_role()
    {
        using var person = Admin(fixture.People.Token("admin", subject: "ada-0007", name: "Ada Admin"));
        var expected = new Actor { Kind = "person", Id = "ada-0007", Name = "Ada Admin", Role = "admin" };

        var created = await CreateAsync(person, "audit-by-person", "leads:read");
        using var revoke = await person.DeleteAsync(new Uri($"/api/gateway/keys/{created.ApiKey.Id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var stored = await GetAsync(person, created.ApiKey.Id);
        Assert.Equal((expected, "Ada Admin"), (stored.CreatedByActor, stored.CreatedBy));
        Assert.Equal((expected, "Ada Admin"), (stored.RevokedByActor, stored.RevokedBy));
        var line = Assert.Single(AuditOf(created.ApiKey.Id), l => Value(l, "Action") == "revoked");
        Assert.Equal(("person", "ada-0007", "Ada Admin", "admin"), (Value(line, "ActorKind"), Value(line, "ActorId"), Value(line, "ActorName"), Value(line, "ActorRole")));
    }

    [Fact]
    public async Task A_stored_key_acts_under_its_id_in_audit_fields_and_in_the_forwarded_identity()
    {
        using var admin = Admin();
        var delegated = await CreateAsync(admin, "audit-delegated-admin", "gateway:admin", "leads:read");
        using var asDelegated = Admin(delegated.Key);

        var created = await CreateAsync(asDelegated, "audit-made-by-a-key", "leads:read");
        var path = $"/api/leads/{Guid.NewGuid():N}";
        using var forwarded = await asDelegated.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(new Actor { Kind = "key", Id = delegated.ApiKey.Id, Name = "audit-delegated-admin" }, created.ApiKey.CreatedByActor);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        var seen = Assert.Single(fixture.Backend.Requests, r => r.Path == path);
        Assert.Equal(("audit-delegated-admin", delegated.ApiKey.Id), (seen.Caller, seen.CallerKeyId));
    }
}
