using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Gateway.OpenApi;
using Xunit.Abstractions;

namespace Crm.OpenApi.Tests;

/// <summary>The merged document describes every mapped endpoint, with the scope the endpoint really requires.</summary>
[Collection(PlatformDocumentCollection.Name)]
public sealed partial class MergedDocumentTests(PlatformDocument platform, ITestOutputHelper output)
{
    [Fact]
    public void Every_mapped_api_endpoint_of_every_service_is_an_operation_with_its_scope()
    {
        Assert.Equal(6, platform.ServiceDocuments.Count); // the five services and the gateway (its API keys)
        Assert.True(platform.Endpoints.Count >= 11, $"only {platform.Endpoints.Count} endpoints were found");
        var operations = OpenApiMerge.Operations(platform.Merged).ToDictionary(o => $"{o.Method} {o.Path}", o => o.Operation, StringComparer.Ordinal);

        var problems = new List<string>();
        foreach (var endpoint in platform.Endpoints)
        {
            var key = $"{endpoint.Method} {Normalise(endpoint.Path)}";
            output.WriteLine($"{endpoint.Service}: {key} needs {endpoint.Scope}");
            if (!operations.TryGetValue(key, out var operation))
            {
                problems.Add($"{key} ({endpoint.Service}) is mapped but missing from the document");
                continue;
            }

            var scopes = operation["security"]?.AsArray()
                .OfType<JsonObject>()
                .SelectMany(requirement => requirement[OpenApiMerge.SecuritySchemeName]?.AsArray().Select(s => (string?)s) ?? [])
                .ToList() ?? [];
            if (endpoint.Scope is null && operation["security"] is JsonArray { Count: 0 } && key.Contains(" /api/messaging/providers/", StringComparison.Ordinal))
            {
                // Anonymous by design: a provider's signed webhook (SignedWebhook), the gateway's one unauthenticated prefix.
                continue;
            }

            if (endpoint.Scope is null)
            {
                problems.Add($"{key} requires no scope (every /api endpoint must)");
            }
            else if (scopes.Count != 1 || scopes[0] != endpoint.Scope)
            {
                problems.Add($"{key} requires {endpoint.Scope} but the document says [{string.Join(", ", scopes)}]");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_outbound_webhook_event_is_a_webhook_with_its_signature_headers_and_payload_schema()
    {
        var webhooks = platform.Merged["webhooks"]?.AsObject() ?? [];

        Assert.Equal(Crm.Messaging.Webhooks.WebhookEvents.All.Select(t => t.Name).Order(StringComparer.Ordinal), webhooks.Select(w => w.Key).Order(StringComparer.Ordinal));
        foreach (var (name, item) in webhooks)
        {
            var post = item!["post"]!;
            Assert.Equal(["Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"], post["parameters"]!.AsArray().Select(p => (string?)p!["name"]));
            Assert.All(post["parameters"]!.AsArray(), p => Assert.Equal(("header", true), ((string?)p!["in"], (bool?)p["required"])));
            var schema = post["requestBody"]!["content"]!["application/json"]!["schema"]!;
            Assert.Equal(name, (string?)schema["properties"]!["type"]!["const"]);
            Assert.Equal(["type", "eventId", "occurredAt", "data"], schema["required"]!.AsArray().Select(r => (string?)r));
            Assert.NotEmpty(schema["properties"]!["data"]!["properties"]!.AsObject());
            Assert.NotNull(post["responses"]!["2XX"]);
            Assert.Empty(post["security"]!.AsArray());
        }

        var won = webhooks["lead.won"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["data"]!["properties"]!.AsObject();
        Assert.Equal(["leadId", "contactId", "pipelineId", "stage", "amount", "ownerId"], won.Select(p => p.Key));
        Assert.Equal(["amount", "currency"], won["amount"]!["properties"]!.AsObject().Select(p => p.Key));
        var sent = webhooks["message.sent"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["data"]!["properties"]!.AsObject();
        Assert.DoesNotContain("to", sent.Select(p => p.Key));
    }

    [Fact]
    public void Every_operation_has_an_id_a_summary_a_tag_and_the_problems_of_the_gateway_and_the_service()
    {
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (method, path, operation) in OpenApiMerge.Operations(platform.Merged))
        {
            var key = $"{method} {path}";
            if ((string?)operation["operationId"] is not { Length: > 0 } id || !ids.Add(id))
            {
                problems.Add($"{key}: no operationId, or a duplicate one");
            }

            if ((string?)operation["summary"] is not { Length: > 0 })
            {
                problems.Add($"{key}: no summary");
            }

            if (operation["tags"] is not JsonArray { Count: 1 } tags || (string?)tags[0] != path.Split('/')[2])
            {
                problems.Add($"{key}: not tagged with its service");
            }

            if (operation["security"] is JsonArray { Count: 0 })
            {
                // A provider's signed webhook: no credential, no key limit; it refuses a bad signature (401) or token (403).
                if (operation["responses"]?["401"] is null && operation["responses"]?["403"] is null)
                {
                    problems.Add($"{key}: a signed webhook without its 401 / 403 refusal");
                }

                continue;
            }

            foreach (var status in new[] { "401", "403", "429" })
            {
                if (operation["responses"]?[status] is null)
                {
                    problems.Add($"{key}: no {status} response");
                }
            }

            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (status[0] is '4' or '5' && response?["$ref"] is null && response?["content"]?["application/problem+json"] is null)
                {
                    problems.Add($"{key}: {status} is not application/problem+json");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_document_is_openapi_3_1_with_one_bearer_scheme_and_the_platform_json_rules()
    {
        var doc = platform.Merged;
        Assert.StartsWith("3.1", (string?)doc["openapi"], StringComparison.Ordinal);
        Assert.All(platform.ServiceDocuments.Values, d => Assert.StartsWith("3.1", (string?)d["openapi"], StringComparison.Ordinal));
        var schemes = doc["components"]!["securitySchemes"]!.AsObject();
        var bearer = Assert.Single(schemes);
        Assert.Equal(OpenApiMerge.SecuritySchemeName, bearer.Key);
        Assert.Equal("http", (string?)bearer.Value!["type"]);
        Assert.Equal("bearer", (string?)bearer.Value!["scheme"]);

        // camelCase properties, enums as lower-case strings, times as date-time strings.
        var lead = doc["components"]!["schemas"]!["LeadResponse"]!["properties"]!.AsObject();
        Assert.Contains("contactId", lead.Select(p => p.Key));
        Assert.Contains("scoreBreakdown", lead.Select(p => p.Key));
        Assert.Equal("date-time", (string?)lead["capturedAt"]!["format"]);
        var channel = Resolve(doc, lead["channel"]!.AsObject());
        Assert.Equal(["web", "ads", "whatsapp", "sms", "email", "phone", "referral", "unknown"], channel["enum"]!.AsArray().Select(v => (string?)v));

        // Validation problems carry field errors.
        var validation = doc["components"]!["schemas"]!["HttpValidationProblemDetails"]!["properties"]!.AsObject();
        Assert.Contains("errors", validation.Select(p => p.Key));
        Assert.Contains("traceId", validation.Select(p => p.Key));
    }

    [Fact]
    public void Writes_have_examples_and_their_headers()
    {
        var capture = Operation("POST", "/api/leads");
        Assert.Equal("CaptureLead", (string?)capture["operationId"]);
        Assert.Equal("Anna Schmidt", (string?)capture["requestBody"]!["content"]!["application/json"]!["example"]!["name"]);
        Assert.Equal("google", (string?)capture["requestBody"]!["content"]!["application/json"]!["example"]!["utm"]!["source"]);
        Assert.Contains(capture["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key" && (string?)p["in"] == "header");
        Assert.NotNull(capture["responses"]!["201"]!["headers"]!["Location"]);
        Assert.NotNull(capture["responses"]!["409"]);

        var create = Operation("POST", "/api/assignment/reps");
        Assert.Equal(50, (int?)create["requestBody"]!["content"]!["application/json"]!["example"]!["capacity"]);

        var patch = Operation("PATCH", "/api/assignment/reps/{id}");
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "If-Match" && (string?)p["in"] == "header");
        Assert.NotNull(patch["responses"]!["412"]);
        Assert.NotNull(patch["requestBody"]!["content"]!["application/json"]!["example"]);

        // Consent: withdrawing is the same call as granting; the example grants (harmless on any contact).
        var consent = Operation("POST", "/api/contacts/{id}/consent");
        Assert.Equal("ChangeContactConsent", (string?)consent["operationId"]);
        var consentExample = consent["requestBody"]!["content"]!["application/json"]!["example"]!["channels"]![0]!;
        Assert.Equal(("email", "granted"), ((string?)consentExample["channel"], (string?)consentExample["status"]));
        Assert.Null(consent["requestBody"]!["content"]!["application/json"]!["example"]!["doNotContact"]);
        Assert.NotNull(consent["responses"]!["400"]);
        Assert.NotNull(consent["responses"]!["404"]);
        var consentRead = Operation("GET", "/api/contacts/{id}/consent");
        Assert.Equal(["id", "limit", "cursor"], consentRead["parameters"]!.AsArray().Select(p => (string?)p!["name"]));

        var messages = Operation("GET", "/api/messaging/messages");
        var names = messages["parameters"]!.AsArray().Select(p => (string?)p!["name"]).ToList();
        Assert.Equal(["contactId", "leadId", "limit", "cursor"], names);
        var limit = messages["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "limit")!;
        Assert.Equal(500, (int?)limit["schema"]!["maximum"]);
    }

    private JsonObject Operation(string method, string path) =>
        platform.Merged["paths"]?[path]?[method.ToLowerInvariant()]?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document");

    private static JsonObject Resolve(JsonObject doc, JsonObject schema)
    {
        var reference = (string?)schema["$ref"] ?? (string?)schema["anyOf"]?.AsArray().Select(s => s?["$ref"]).FirstOrDefault(r => r is not null)
            ?? (string?)schema["oneOf"]?.AsArray().Select(s => s?["$ref"]).FirstOrDefault(r => r is not null);
        return reference is null ? schema : doc["components"]!["schemas"]![reference.Split('/')[^1]]!.AsObject();
    }

    /// <summary>A route template as an OpenAPI path: no constraints (<c>{id:int}</c> is <c>{id}</c>), no trailing slash.</summary>
    private static string Normalise(string template)
    {
        var path = ParameterConstraint().Replace(template, "{$1}").TrimEnd('/');
        return path.Length == 0 ? "/" : path;
    }

    [GeneratedRegex(@"\{\*{0,2}([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex ParameterConstraint();
}
