using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Crm.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Crm.Messaging.Webhooks;

/// <summary>
/// The outbound webhooks partners receive (<see cref="WebhookEvents"/>, <c>docs/webhooks.md</c>), declared in Messaging's
/// OpenAPI 3.1 document as <c>webhooks</c> entries (one per event type): a <c>POST</c> to the subscriber's URL with the
/// signature headers (<see cref="WebhookHttp"/>) and the envelope <c>{ type, eventId, occurredAt, data }</c>, whose
/// <c>data</c> schema is read from what <see cref="WebhookEvents.All"/> delivers (so it cannot drift from the code).
/// </summary>
public static class WebhookOpenApi
{
    public static readonly (string Name, string Description)[] Headers =
    [
        ("Webhook-Id", "The delivery's id (one event to one subscription); the same on every retry and replay: use it as your idempotency key."),
        ("Webhook-Timestamp", "When this attempt was made, Unix seconds; refuse one far from your clock (e.g. more than 5 minutes)."),
        ("Webhook-Signature", "`v1=` and the lower-case hex HMAC-SHA256 of `{Webhook-Id}.{Webhook-Timestamp}.{raw body}` (UTF-8), keyed by the subscription's secret."),
    ];

    /// <summary>Adds the <c>webhooks</c> section to the service's document.</summary>
    public static WebApplicationBuilder AddWebhookDescriptions(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<OpenApiOptions>(CrmOpenApi.DocumentName, options => options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>One <c>webhooks</c> entry per event type (pure; the document's own paths are untouched).</summary>
    public static void Describe(OpenApiDocument document)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        foreach (var type in WebhookEvents.All)
        {
            var operation = new OpenApiOperation
            {
                OperationId = "Webhook" + string.Concat(type.Name.Split('.', '-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])),
                Summary = $"`{type.Name}` delivered to a subscriber",
                Description = $"The platform POSTs `{type.Name}` (from `{type.Contract.Name}`) to each active subscription of that event type " +
                    "(`POST /api/messaging/webhooks`), signed, retried with back-off for 24 hours, replayable; ids and codes only, no personal data. " +
                    "Answer 2xx within 10 s; 410 Gone deactivates the subscription; anything else is retried. See docs/webhooks.md.",
                Security = [], // no platform credential: the receiver verifies Webhook-Signature (the parameters below)
                Parameters = [.. Headers.Select(h => (IOpenApiParameter)new OpenApiParameter
                {
                    Name = h.Name,
                    In = ParameterLocation.Header,
                    Required = true,
                    Description = h.Description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                })],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = Envelope(type) } },
                },
                Responses = new OpenApiResponses
                {
                    ["2XX"] = new OpenApiResponse { Description = "Received (stored by the subscriber); not retried." },
                    ["410"] = new OpenApiResponse { Description = "Gone: the delivery fails and the subscription is deactivated." },
                    ["default"] = new OpenApiResponse { Description = "Any other answer, a timeout or no connection: retried with back-off." },
                },
            };
            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Post, operation);
            document.Webhooks[type.Name] = item;
        }
    }

    private static OpenApiSchema Envelope(WebhookEventType type) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Fields without a value are left out; new fields may be added (ignore the ones you do not know).",
        Required = new HashSet<string>(StringComparer.Ordinal) { "type", "eventId", "occurredAt", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type.Name, Description = "The event name." },
            ["eventId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "The platform event's id." },
            ["occurredAt"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When it happened (UTC)." },
            ["data"] = Schema(DataType(type)),
        },
    };

    /// <summary>The type <paramref name="type"/> delivers as <c>data</c>: what its describer makes of an empty event.</summary>
    private static Type DataType(WebhookEventType type) =>
        type.Describe(RuntimeHelpers.GetUninitializedObject(type.Contract)).Data.GetType();

    private static OpenApiSchema Schema(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var schema = underlying switch
        {
            _ when underlying == typeof(string) || underlying.IsEnum => new OpenApiSchema { Type = JsonSchemaType.String },
            _ when underlying == typeof(Guid) => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
            _ when underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime) => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
            _ when underlying == typeof(bool) => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            _ when underlying == typeof(int) || underlying == typeof(long) => new OpenApiSchema { Type = JsonSchemaType.Integer },
            _ when underlying == typeof(double) || underlying == typeof(float) || underlying == typeof(decimal) => new OpenApiSchema { Type = JsonSchemaType.Number },
            _ => new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = underlying.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), p => (IOpenApiSchema)Schema(p.PropertyType), StringComparer.Ordinal),
            },
        };
        return schema;
    }
}
