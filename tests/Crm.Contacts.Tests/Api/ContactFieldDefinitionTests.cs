using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Contracts.Api.Contacts;
using Crm.Testing;
using Xunit;

namespace Crm.Contacts.Tests.Api;

/// <summary><c>/api/contacts/field-definitions</c> and custom field values on <c>PATCH /api/contacts/{id}</c>, through the public HTTP API.</summary>
public sealed class ContactFieldDefinitionTests(CrmServiceFactory<ContactsEntryPoint> factory) : IClassFixture<CrmServiceFactory<ContactsEntryPoint>>, IDisposable
{
    private readonly ContactApi _api = new(factory);

    private static readonly ContactFieldDefinitionsDocument Definitions = new()
    {
        Definitions =
        [
            new CustomFieldDefinitionDocument { Key = "householdSize", Label = "Household size", Type = CustomFieldType.Number },
            new CustomFieldDefinitionDocument { Key = "plan", Label = "Plan", Type = CustomFieldType.Enum, AllowedValues = ["basic", "premium"] },
            new CustomFieldDefinitionDocument { Key = "optIn", Label = "Opt-in", Type = CustomFieldType.Boolean },
            new CustomFieldDefinitionDocument { Key = "since", Label = "Customer since", Type = CustomFieldType.Date },
            new CustomFieldDefinitionDocument { Key = "note", Label = "Note", Type = CustomFieldType.Text },
            new CustomFieldDefinitionDocument { Key = "segment", Label = "Segment", Type = CustomFieldType.Text, Required = true },
        ],
    };

    private async Task<(HttpStatusCode Status, string Body, string? ETag)> PutAsync(ContactFieldDefinitionsDocument document, string? ifMatch = null, Crm.ServiceDefaults.Security.CallerIdentity? caller = null)
    {
        using var client = _api.Client(caller);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/contacts/field-definitions") { Content = JsonContent.Create(document, options: ContactApi.Json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.ETag?.Tag);
    }

    /// <summary>The one test of this class that changes the definitions runs everything in order (they are one document per service).</summary>
    [Fact]
    public async Task Definitions_are_versioned_admin_only_and_check_every_value_of_a_patch()
    {
        var (_, empty) = await _api.GetRawAsync("/api/contacts/field-definitions");
        Assert.Empty(empty["definitions"]!.AsArray());
        Assert.Equal(0, empty["version"]!.GetValue<long>());

        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(Definitions, caller: TestIdentity.Key("writer", "contacts:read", "contacts:write"))).Status);
        using (var client = _api.Client())
        using (var unknown = await client.PutAsync("/api/contacts/field-definitions", new StringContent("""{"definitions":[],"isAdmin":true}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Contains("isAdmin", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var (bad, badBody, _) = await PutAsync(new ContactFieldDefinitionsDocument
        {
            Definitions =
            [
                new CustomFieldDefinitionDocument { Key = "1st", Label = "x", Type = CustomFieldType.Text },
                new CustomFieldDefinitionDocument { Key = "plan", Label = "", Type = CustomFieldType.Enum },
                new CustomFieldDefinitionDocument { Key = "plan", Label = "Again", Type = CustomFieldType.Number, AllowedValues = ["a"] },
            ],
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(
            new[] { "definitions[0].key", "definitions[1].allowedValues", "definitions[1].label", "definitions[2].allowedValues", "definitions[2].key" },
            ContactApi.ErrorFields(System.Text.Json.Nodes.JsonNode.Parse(badBody)!.AsObject()).Order(StringComparer.Ordinal));

        var (created, _, etag) = await PutAsync(Definitions, "\"0\"");
        Assert.Equal((HttpStatusCode.OK, "\"1\""), (created, etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PutAsync(Definitions, "\"0\"")).Status);
        var (_, read) = await _api.GetRawAsync("/api/contacts/field-definitions");
        Assert.Equal(6, read["definitions"]!.AsArray().Count);
        Assert.Equal(["basic", "premium"], read["definitions"]![1]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()));

        var id = await _api.NewContactAsync("Jo");
        var (status, problem, _) = await _api.PatchAsync(id, new { locale = "de", customFields = new { householdSize = "four", plan = "gold", optIn = "yes", since = "2026-13-01", colour = "red" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(
            new[] { "customFields.colour", "customFields.householdSize", "customFields.optIn", "customFields.plan", "customFields.since" },
            ContactApi.ErrorFields(problem).Order(StringComparer.Ordinal));

        // Valid values, but the required segment is missing.
        var valid = new Dictionary<string, object?> { ["householdSize"] = 4, ["plan"] = "premium", ["optIn"] = true, ["since"] = "2025-03-01", ["note"] = "prefers e-mail" };
        (status, problem, _) = await _api.PatchAsync(id, new { customFields = valid });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["customFields.segment"], ContactApi.ErrorFields(problem));

        valid["segment"] = "families";
        (status, problem, _) = await _api.PatchAsync(id, new { customFields = valid });
        Assert.True(status == HttpStatusCode.OK, problem.ToJsonString());
        var contact = await _api.GetAsync(id);
        Assert.Equal(4, contact.CustomFields["householdSize"].GetInt32());
        Assert.True(contact.CustomFields["optIn"].GetBoolean());
        Assert.Equal("premium", contact.CustomFields["plan"].GetString());

        // Merged per key: null removes one, the others stay; the required one cannot be removed.
        (status, _, _) = await _api.PatchAsync(id, """{ "customFields": { "note": null } }""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["householdSize", "optIn", "plan", "segment", "since"], (await _api.GetAsync(id)).CustomFields.Keys.Order(StringComparer.Ordinal));
        (status, problem, _) = await _api.PatchAsync(id, """{ "customFields": { "segment": null } }""");
        Assert.Equal((HttpStatusCode.BadRequest, "customFields.segment"), (status, ContactApi.ErrorFields(problem).Single()));
        Assert.Equal(JsonValueKind.String, (await _api.GetAsync(id)).CustomFields["segment"].ValueKind);
    }

    public void Dispose() => _api.Dispose();
}
