using System.Text.Json.Nodes;
using Crm.Gateway.OpenApi;
using Xunit;

namespace Crm.Gateway.Tests;

/// <summary>The pure merge of the services' documents into the platform's one.</summary>
public sealed class OpenApiMergeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Paths_tags_and_one_bearer_scheme_are_united_and_secured_operations_may_answer_429()
    {
        var merged = OpenApiMerge.Merge(
        [
            Source("leads", Doc("/api/leads", "CaptureLead", "leads:write", ("Lead", Obj("id")))),
            Source("contacts", Doc("/api/contacts/{id}", "GetContact", "contacts:read", ("Contact", Obj("id")))),
        ]);

        Assert.Equal("3.1.1", (string?)merged["openapi"]);
        Assert.Equal(["/api/leads", "/api/contacts/{id}"], merged["paths"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["leads", "contacts"], merged["tags"]!.AsArray().Select(t => (string?)t!["name"]));
        var scheme = Assert.Single(merged["components"]!["securitySchemes"]!.AsObject());
        Assert.Equal("bearer", scheme.Key);
        var capture = merged["paths"]!["/api/leads"]!["post"]!;
        Assert.Equal("leads:write", (string?)capture["security"]![0]!["bearer"]![0]);
        Assert.Equal("#/components/responses/TooManyRequests", (string?)capture["responses"]!["429"]!["$ref"]);
        Assert.NotNull(merged["components"]!["responses"]!["TooManyRequests"]!["headers"]!["Retry-After"]);
        Assert.DoesNotContain("Incomplete", (string?)merged["info"]!["description"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_two_services_define_differently_is_renamed_in_the_later_one_with_its_references()
    {
        var merged = OpenApiMerge.Merge(
        [
            Source("leads", Doc("/api/leads", "CaptureLead", "leads:write", ("Status", Obj("a")), ("Lead", Ref("Status")))),
            Source("messaging", Doc("/api/messaging/messages", "ListMessages", "messaging:read", ("Status", Obj("b")), ("Message", Ref("Status")))),
        ]);

        var schemas = merged["components"]!["schemas"]!.AsObject();
        Assert.True(JsonNode.DeepEquals(Obj("a"), schemas["Status"]));
        Assert.True(JsonNode.DeepEquals(Obj("b"), schemas["StatusMessaging"]));
        Assert.Equal("#/components/schemas/Status", (string?)schemas["Lead"]!["properties"]!["status"]!["$ref"]);
        Assert.Equal("#/components/schemas/StatusMessaging", (string?)schemas["Message"]!["properties"]!["status"]!["$ref"]);
        Assert.Equal("#/components/schemas/Message", (string?)merged["paths"]!["/api/messaging/messages"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
    }

    [Fact]
    public void Equal_definitions_are_kept_once_and_one_pointing_at_a_renamed_definition_is_renamed_too()
    {
        var described = Obj("id");
        described["description"] = "A problem.";
        var merged = OpenApiMerge.Merge(
        [
            Source("leads", Doc("/api/leads", "CaptureLead", "leads:write", ("Problem", Obj("id")), ("Status", Obj("a")), ("Holder", Ref("Status")))),
            Source("contacts", Doc("/api/contacts/{id}", "GetContact", "contacts:read", ("Problem", described), ("Status", Obj("b")), ("Holder", Ref("Status")))),
        ]);

        var schemas = merged["components"]!["schemas"]!.AsObject();
        Assert.Equal(["Problem", "Status", "Holder", "StatusContacts", "HolderContacts", "ProblemDetails"], schemas.Select(s => s.Key));
        Assert.Equal("A problem.", (string?)schemas["Problem"]!["description"]);
        Assert.Equal("#/components/schemas/StatusContacts", (string?)schemas["HolderContacts"]!["properties"]!["status"]!["$ref"]);
    }

    [Fact]
    public void Webhooks_are_copied_with_their_references_rewritten_and_the_first_description_of_a_name_wins()
    {
        var messaging = Doc("/api/messaging/messages", "ListMessages", "messaging:read", ("Status", Obj("b")));
        messaging["webhooks"] = new JsonObject { ["lead.won"] = Webhook("#/components/schemas/Status") };
        var other = Doc("/api/other", "Other", "other:read");
        other["webhooks"] = new JsonObject { ["lead.won"] = Webhook("#/components/schemas/Other"), ["lead.lost"] = Webhook("#/components/schemas/Other") };
        var merged = OpenApiMerge.Merge(
        [
            Source("leads", Doc("/api/leads", "CaptureLead", "leads:write", ("Status", Obj("a")))),
            Source("messaging", messaging),
            Source("other", other),
        ]);

        var webhooks = merged["webhooks"]!.AsObject();
        Assert.Equal(["lead.won", "lead.lost"], webhooks.Select(w => w.Key));
        Assert.Equal("#/components/schemas/StatusMessaging", (string?)webhooks["lead.won"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Contains("also describes the webhook `lead.won`", (string?)merged["info"]!["description"], StringComparison.Ordinal);
        Assert.Null(OpenApiMerge.Merge([Source("leads", Doc("/api/leads", "CaptureLead", "leads:write"))])["webhooks"]);
    }

    private static JsonObject Webhook(string schemaRef) => new()
    {
        ["post"] = new JsonObject
        {
            ["operationId"] = "Webhook" + schemaRef[(schemaRef.LastIndexOf('/') + 1)..],
            ["requestBody"] = new JsonObject { ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } } } },
            ["responses"] = new JsonObject { ["2XX"] = new JsonObject { ["description"] = "Received." } },
        },
    };

    [Fact]
    public void Missing_and_stale_services_are_named_and_a_duplicate_operation_id_is_made_unique()
    {
        var merged = OpenApiMerge.Merge(
        [
            Source("leads", Doc("/api/leads", "Get", "leads:write")),
            new ApiSource("contacts", Doc("/api/contacts/{id}", "Get", "contacts:read"), "connection refused", Now),
            new ApiSource("messaging", null, "connection refused"),
        ]);

        Assert.Equal("Get", (string?)merged["paths"]!["/api/leads"]!["post"]!["operationId"]);
        Assert.Equal("GetContacts", (string?)merged["paths"]!["/api/contacts/{id}"]!["get"]!["operationId"]);
        var description = (string?)merged["info"]!["description"];
        Assert.Contains("`messaging`: not available (connection refused)", description, StringComparison.Ordinal);
        Assert.Contains("`contacts`: described as last fetched at 2026-11-29 12:00:00Z", description, StringComparison.Ordinal);
        Assert.Equal(["ok", "stale", "unavailable"], merged["x-crm-sources"]!.AsArray().Select(s => (string?)s!["status"]));
    }

    private static ApiSource Source(string name, JsonObject document) => new(name, document, null, Now);

    private static JsonObject Obj(string property) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { [property] = new JsonObject { ["type"] = "string" } },
    };

    private static JsonObject Ref(string schema) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { ["status"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schema}" } },
    };

    /// <summary>A service document with one operation (POST for write scopes, GET otherwise) returning its last schema.</summary>
    private static JsonObject Doc(string path, string operationId, string scope, params (string Name, JsonObject Schema)[] schemas)
    {
        var service = path.Split('/')[2];
        var method = scope.EndsWith(":write", StringComparison.Ordinal) ? "post" : "get";
        var responses = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK." } };
        if (schemas.Length > 0)
        {
            responses["200"]!["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemas[^1].Name}" } },
            };
        }

        var components = new JsonObject
        {
            ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
        };
        if (schemas.Length > 0)
        {
            var list = new JsonObject();
            foreach (var (name, schema) in schemas)
            {
                list[name] = schema.DeepClone();
            }

            components["schemas"] = list;
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject { ["title"] = service, ["version"] = "v1" },
            ["tags"] = new JsonArray(new JsonObject { ["name"] = service }),
            ["paths"] = new JsonObject
            {
                [path] = new JsonObject
                {
                    [method] = new JsonObject
                    {
                        ["operationId"] = operationId,
                        ["tags"] = new JsonArray(service),
                        ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray(scope) }),
                        ["responses"] = responses,
                    },
                },
            },
            ["components"] = components,
        };
    }
}
