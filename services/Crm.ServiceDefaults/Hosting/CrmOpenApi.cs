using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.ServiceDefaults.Http;
using Crm.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.ServiceDefaults.Hosting;

/// <summary>
/// Every process describes its own <c>/api</c> endpoints as an OpenAPI 3.1 document at <see cref="DocumentPath"/> on its
/// HTTP port (public: the description is no secret, and the gateway fetches it from there to merge the platform's
/// document). What the endpoints declare (<c>WithName</c>, <c>WithSummary</c>, <c>Produces…</c>, and the helpers here:
/// <see cref="WithRequestExample{TBuilder}"/>, <see cref="WithParameterDescription{TBuilder}"/>,
/// <see cref="WithRequestHeader{TBuilder}"/>) is completed by the platform's rules: the <c>bearer</c> security scheme
/// with each operation's scope (from <see cref="RequiredScope"/>), 401 / 403 problems, the paging parameters, the
/// <c>Location</c> of a 201, the ProblemDetails <c>traceId</c>, and one tag per service.
/// </summary>
public static class CrmOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string SecuritySchemeName = "bearer";
    public const string ProblemContentType = "application/problem+json";

    /// <summary>What the <c>bearer</c> scheme means at the gateway (the services accept only the gateway's identity).</summary>
    public const string SecuritySchemeDescription =
        "`Authorization: Bearer <token>`: an API key (scoped, e.g. `leads:write`; shown once when created) for systems, or a person's JWT. " +
        "Scopes are `<service>:read|write|admin`; `admin` includes read and write. Each operation lists the scope it needs.";

    /// <summary>Registers the document of <paramref name="serviceName"/>'s <c>/api</c> endpoints (called by <see cref="CrmHost.AddServiceDefaults"/>).</summary>
    public static WebApplicationBuilder AddCrmOpenApi(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<CrmApiDescription>().Configure(d => d.Service = serviceName);
        builder.Services.AddSingleton<RequestBodies>();
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.OrdinalIgnoreCase) == true;
            options.AddSchemaTransformer(TransformSchemaAsync);
            options.AddOperationTransformer(TransformOperationAsync);
            options.AddDocumentTransformer(TransformDocumentAsync);
        });
        return builder;
    }

    /// <summary>What this service's document says about the service (title and the text of its tag).</summary>
    public static WebApplicationBuilder DescribeApi(this WebApplicationBuilder builder, string description)
    {
        builder.Services.Configure<CrmApiDescription>(d => d.Description = description);
        return builder;
    }

    /// <summary>Serves the document at <see cref="DocumentPath"/> (no identity needed; the port policy keeps it off the management port).</summary>
    public static WebApplication MapCrmOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>An example request body (serialised with the platform's JSON rules).</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, object example)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestExample(example));

    /// <summary>Describes a parameter the handler binds (query, route or header) by its name.</summary>
    public static TBuilder WithParameterDescription<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ParameterDescription(name, description));

    /// <summary>A request header the handler reads itself (so the endpoint's signature does not show it).</summary>
    public static TBuilder WithRequestHeader<TBuilder>(this TBuilder builder, string name, string description, int maxLength = 0)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestHeader(name, description, maxLength));

    private static Task TransformSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;

        // Times have their own converter (UTC with Z), which hides the type from the schema exporter.
        if (type == typeof(DateTimeOffset))
        {
            var nullable = context.JsonTypeInfo.Type != type || (schema.Type ?? 0).HasFlag(JsonSchemaType.Null);
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }

        // Enums are lower-case strings; a nullable property says so itself (not the enum's own schema).
        if (type.IsEnum && schema.Enum is { Count: > 0 } values)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. values.Where(v => v is not null)];
        }

        // Numbers are written as numbers (reading also accepts numeric strings, a leniency, not the contract).
        if (schema.Type is { } flags && (flags.HasFlag(JsonSchemaType.Integer) || flags.HasFlag(JsonSchemaType.Number)) && flags.HasFlag(JsonSchemaType.String))
        {
            schema.Type = flags & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        // Unknown properties are rejected on what the API reads (request bodies); responses and problems stay open for
        // additive changes (RFC 9457: clients ignore members they do not know).
        if (schema.AdditionalPropertiesAllowed == false && !RequestBodyTypes(context.ApplicationServices).Contains(type))
        {
            schema.AdditionalPropertiesAllowed = true;
        }

        // Every problem carries the trace id of the request (ProblemDetailsDefaults).
        if (typeof(ProblemDetails).IsAssignableFrom(type) && schema.Properties is { } properties)
        {
            properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "W3C trace id of the request (quote it when reporting a problem)." };
            schema.Description ??= type == typeof(HttpValidationProblemDetails)
                ? "RFC 9457 problem with field errors: `errors` maps each field (as named in the request) to its reasons."
                : "RFC 9457 problem details.";
        }

        return Task.CompletedTask;
    }

    private static IReadOnlySet<Type> RequestBodyTypes(IServiceProvider services) =>
        services.GetRequiredService<RequestBodies>().Types;

    private static async Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var service = context.ApplicationServices.GetRequiredService<IOptions<CrmApiDescription>>().Value.Service;
        var scope = metadata.OfType<RequiredScope>().LastOrDefault();

        operation.Tags = new HashSet<OpenApiTagReference> { new(scope?.Service ?? service, context.Document) };

        if (metadata.OfType<SignedWebhook>().LastOrDefault() is { } webhook)
        {
            // Anonymous by design: an outside provider calls it without a platform credential (an explicit empty requirement).
            operation.Security = [];
            var verified = $"No platform credential: a provider's webhook, verified by its signature ({webhook.Verification}); a bad or missing signature is refused.";
            operation.Description = string.IsNullOrWhiteSpace(operation.Description) ? verified : $"{operation.Description}\n\n{verified}";
        }
        else if (scope is not null)
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, context.Document)] = [scope.ToString()] },
            ];
            var needs = scope.Access == Access.Admin
                ? $"Needs the scope `{scope}`."
                : $"Needs the scope `{scope}` (or `{scope.Service}:admin`).";
            operation.Description = string.IsNullOrWhiteSpace(operation.Description) ? needs : $"{operation.Description}\n\n{needs}";
            await AddProblemAsync(operation, context, StatusCodes.Status401Unauthorized, "No credential, or one that is not valid.");
            await AddProblemAsync(operation, context, StatusCodes.Status403Forbidden, $"The credential lacks the scope `{scope}`.");
        }

        DescribeParameters(operation, metadata);
        await AddHeadersAsync(operation, context, metadata);
        AddRequestExample(operation, context, metadata);
        DescribeResponses(operation);
    }

    private static async Task AddProblemAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description)
    {
        operation.Responses ??= [];
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.TryGetValue(key, out var existing) && existing.Content?.Count > 0)
        {
            if (existing is OpenApiResponse response)
            {
                response.Description = description;
            }

            return;
        }

        // One ProblemDetails component for every problem response (as ProducesProblem gives).
        IOpenApiSchema schema = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, CancellationToken.None);
        if (context.Document is { } document)
        {
            document.AddComponent(nameof(ProblemDetails), schema);
            schema = new OpenApiSchemaReference(nameof(ProblemDetails), document);
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() { Schema = schema } },
        };
    }

    private static void DescribeParameters(OpenApiOperation operation, IList<object> metadata)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var declared = metadata.OfType<ParameterDescription>().LastOrDefault(d => string.Equals(d.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            switch (parameter.Name)
            {
                case "limit" when parameter.In == ParameterLocation.Query:
                    parameter.Description = $"Items per page, 1 to {Paging.MaxLimit} (default {Paging.DefaultLimit}).";
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "1",
                        Maximum = Paging.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Default = Paging.DefaultLimit,
                    };
                    break;
                case "cursor" when parameter.In == ParameterLocation.Query:
                    parameter.Description = "Opaque: `nextCursor` of the previous page of the same list (same filters).";
                    break;
            }

            if (declared is not null)
            {
                parameter.Description = declared.Description;
            }
        }
    }

    private static Task AddHeadersAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, IList<object> metadata)
    {
        foreach (var header in metadata.OfType<RequestHeader>())
        {
            operation.Parameters ??= [];
            if (operation.Parameters.Any(p => p.In == ParameterLocation.Header && string.Equals(p.Name, header.Name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Required = false,
                Description = header.Description,
                Schema = header.MaxLength > 0
                    ? new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = header.MaxLength }
                    : new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        return Task.CompletedTask;
    }

    private static void AddRequestExample(OpenApiOperation operation, OpenApiOperationTransformerContext context, IList<object> metadata)
    {
        if (metadata.OfType<RequestExample>().LastOrDefault() is not { } example || operation.RequestBody?.Content is not { } content)
        {
            return;
        }

        // Every JSON media type the operation accepts (application/json, application/merge-patch+json ...) shows the example.
        var json = context.ApplicationServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        foreach (var (type, media) in content)
        {
            if (media is not null && (type == "application/json" || type.EndsWith("+json", StringComparison.Ordinal)))
            {
                media.Example = JsonSerializer.SerializeToNode(example.Value, example.Value.GetType(), json);
            }
        }
    }

    private static void DescribeResponses(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            concrete.Description = status switch
            {
                "200" when concrete.Description is null or "OK" => "OK.",
                "201" when concrete.Description is null or "Created" => "Created: the new resource, its URL in `Location`.",
                "400" when concrete.Description is null or "Bad Request" => "The request is malformed or invalid (unknown fields too): `errors` names each field.",
                "404" when concrete.Description is null or "Not Found" => "Not found (or not visible to the caller).",
                "409" when concrete.Description is null or "Conflict" => "Conflict: a concurrent change, or an idempotency key reused with another body.",
                "412" when concrete.Description is null or "Precondition Failed" => "`If-Match` names a version that is no longer current.",
                "413" when concrete.Description is null or "Payload Too Large" or "Content Too Large" => "The body is too large.",
                "415" when concrete.Description is null or "Unsupported Media Type" => "The body is not JSON.",
                "422" when concrete.Description is null or "Unprocessable Entity" or "Unprocessable Content" => "Well-formed, but it breaks a business rule.",
                "503" when concrete.Description is null or "Service Unavailable" => "A service this call needs is unavailable; retry after `Retry-After` seconds.",
                _ => concrete.Description,
            };

            if (status == "201")
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers["Location"] = new OpenApiHeader { Description = "URL of the created resource.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }
    }

    private static Task TransformDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var described = context.ApplicationServices.GetRequiredService<IOptions<CrmApiDescription>>().Value;
        document.Info = new OpenApiInfo
        {
            Title = $"CRM {described.Service} API",
            Version = DocumentName,
            Description = described.Description,
        };

        // Relative to wherever the document was fetched from (the gateway's merged document is served by the gateway).
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = SecuritySchemeDescription,
        };

        var tags = document.Paths?.Values
            .SelectMany(path => path.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(operation => operation.Tags?.AsEnumerable() ?? [])
            .Select(tag => tag.Name)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList() ?? [];
        document.Tags = new HashSet<OpenApiTag>(tags.Select(name => new OpenApiTag
        {
            Name = name,
            Description = string.Equals(name, described.Service, StringComparison.Ordinal) ? described.Description : null,
        }));
        return Task.CompletedTask;
    }

    private sealed record RequestExample(object Value);

    /// <summary>The types this process reads as request bodies (declared with <c>Accepts</c> or bound from the body).</summary>
    private sealed class RequestBodies(IApiDescriptionGroupCollectionProvider descriptions)
    {
        private readonly Lazy<IReadOnlySet<Type>> _types = new(() => descriptions.ApiDescriptionGroups.Items
            .SelectMany(group => group.Items)
            .SelectMany(description => description.ParameterDescriptions
                .Where(parameter => parameter.Source == BindingSource.Body)
                .Select(parameter => parameter.Type)
                .Concat(description.ActionDescriptor.EndpointMetadata.OfType<IAcceptsMetadata>().Select(accepts => accepts.RequestType)))
            .OfType<Type>()
            .ToHashSet());

        public IReadOnlySet<Type> Types => _types.Value;
    }

    private sealed record ParameterDescription(string Name, string Description);

    private sealed record RequestHeader(string Name, string Description, int MaxLength);
}

/// <summary>What a service says about itself in its document (<see cref="CrmOpenApi.DescribeApi"/>).</summary>
public sealed class CrmApiDescription
{
    public string Service { get; set; } = "";

    public string? Description { get; set; }
}
