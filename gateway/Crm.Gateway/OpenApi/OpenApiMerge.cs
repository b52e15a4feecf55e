using System.Globalization;
using System.Text.Json.Nodes;

namespace Crm.Gateway.OpenApi;

/// <summary>One service's OpenAPI document as the gateway last saw it.</summary>
/// <param name="Name">The service (cluster) name, e.g. <c>leads</c>.</param>
/// <param name="Document">The document, or null when none was ever fetched.</param>
/// <param name="Problem">Why the last fetch failed (null when it succeeded).</param>
/// <param name="FetchedAt">When <paramref name="Document"/> was fetched.</param>
public sealed record ApiSource(string Name, JsonObject? Document, string? Problem = null, DateTimeOffset? FetchedAt = null)
{
    /// <summary>The document is an older one: the last fetch failed.</summary>
    public bool IsStale => Document is not null && Problem is not null;
}

/// <summary>
/// Merges the services' OpenAPI 3.1 documents into the platform's one (pure: no I/O). Paths, webhooks and tags are united;
/// components keep their names unless two services define one name differently, in which case the later service's
/// is renamed (<c>Name</c> + service, e.g. <c>ErrorLeads</c>) and its references rewritten; equal definitions are kept
/// once. One <c>bearer</c> security scheme; every secured operation also gets the gateway's own 429 (rate limit per
/// API key). Services whose document is missing or stale are named in <c>info.description</c> and <c>x-crm-sources</c>.
/// </summary>
public static class OpenApiMerge
{
    public const string OpenApiVersion = "3.1.1";
    public const string SecuritySchemeName = "bearer";

    private const string ProblemSchema = "ProblemDetails";

    /// <summary>The merged document of <paramref name="sources"/> (in their order: the first definition of a path or name wins).</summary>
    public static JsonObject Merge(IReadOnlyList<ApiSource> sources, string title = "CRM platform API", string version = "v1", string? description = null)
    {
        var paths = new JsonObject();
        var webhooks = new JsonObject();
        var components = new JsonObject();
        var tags = new JsonArray();
        var tagNames = new HashSet<string>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        var notes = new List<string>();
        var status = new JsonArray();
        JsonObject? scheme = null;

        foreach (var source in sources)
        {
            status.Add(new JsonObject
            {
                ["name"] = source.Name,
                ["status"] = source.Document is null ? "unavailable" : source.IsStale ? "stale" : "ok",
                ["fetchedAt"] = source.FetchedAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["problem"] = source.Problem,
            });
            if (source.Document is null)
            {
                notes.Add($"`{source.Name}`: not available ({source.Problem ?? "no document yet"}); its operations are missing from this document.");
                continue;
            }

            if (source.IsStale)
            {
                notes.Add($"`{source.Name}`: described as last fetched{At(source.FetchedAt)}; the service does not answer now ({source.Problem}).");
            }

            var document = source.Document.DeepClone().AsObject();
            var schemeNames = MergeSecuritySchemes(document, components, ref scheme);
            var renames = PlanRenames(source.Name, document, components);
            RewriteReferences(document, renames);
            AddComponents(document, components);
            RenameSecurityRequirements(document, schemeNames);
            MergePaths(source.Name, document, paths, operationIds, notes);
            MergeWebhooks(source.Name, document, webhooks, notes);
            MergeTags(document, tags, tagNames);
        }

        AddGatewayResponses(paths, components);
        var merged = new JsonObject
        {
            ["openapi"] = OpenApiVersion,
            ["info"] = new JsonObject
            {
                ["title"] = title,
                ["version"] = version,
                ["description"] = Description(description, notes),
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "The gateway serving this document." }),
            ["tags"] = tags,
            ["paths"] = paths,
            ["components"] = components,
            ["x-crm-sources"] = status,
        };
        if (webhooks.Count > 0)
        {
            merged["webhooks"] = webhooks;
        }

        return merged;
    }

    /// <summary>Every <c>METHOD /path</c> of a document with its operation (for tests and diagnostics).</summary>
    public static IEnumerable<(string Method, string Path, JsonObject Operation)> Operations(JsonObject document) =>
        OperationsOf(document["paths"] as JsonObject);

    private static IEnumerable<(string Method, string Path, JsonObject Operation)> OperationsOf(JsonObject? paths)
    {
        foreach (var (path, item) in paths ?? [])
        {
            foreach (var (method, operation) in item?.AsObject() ?? [])
            {
                if (IsMethod(method) && operation is JsonObject op)
                {
                    yield return (method.ToUpperInvariant(), path, op);
                }
            }
        }
    }

    private static string At(DateTimeOffset? at) =>
        at is { } time ? " at " + time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    private static string Description(string? description, List<string> notes)
    {
        var text = description ?? "The public API of the CRM platform, as the gateway serves it. Every service describes its own endpoints; the gateway merges them.";
        return notes.Count == 0 ? text : text + "\n\n**Incomplete document:**\n\n" + string.Join('\n', notes.Select(n => "- " + n));
    }

    /// <summary>The http bearer schemes of a source become the platform's one; others are kept (renamed on collision).</summary>
    private static Dictionary<string, string> MergeSecuritySchemes(JsonObject document, JsonObject components, ref JsonObject? scheme)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document["components"]?["securitySchemes"] is not JsonObject schemes)
        {
            return names;
        }

        var target = Section(components, "securitySchemes");
        foreach (var (name, value) in schemes.ToList())
        {
            if (value is JsonObject obj && (string?)obj["type"] == "http" && string.Equals((string?)obj["scheme"], "bearer", StringComparison.OrdinalIgnoreCase))
            {
                if (scheme is null)
                {
                    scheme = obj.DeepClone().AsObject();
                    target[SecuritySchemeName] = scheme;
                }

                names[name] = SecuritySchemeName;
            }
            else
            {
                var unique = name;
                for (var i = 2; target.ContainsKey(unique) && !JsonNode.DeepEquals(target[unique], value); i++)
                {
                    unique = name + i.ToString(CultureInfo.InvariantCulture);
                }

                target[unique] = value?.DeepClone();
                names[name] = unique;
            }
        }

        schemes.Parent!.AsObject().Remove("securitySchemes");
        return names;
    }

    /// <summary>Which of the source's components need another name, as <c>$ref</c> → <c>$ref</c>.</summary>
    private static Dictionary<string, string> PlanRenames(string source, JsonObject document, JsonObject components)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document["components"] is not JsonObject own)
        {
            return renames;
        }

        var reused = new List<(string Kind, string Name)>();
        foreach (var (kind, section) in own)
        {
            foreach (var (name, value) in section?.AsObject() ?? [])
            {
                if (components[kind]?[name] is { } existing)
                {
                    if (SameContract(existing, value))
                    {
                        // Descriptions do not change the contract: keep the first, or take this one's where it had none.
                        if (existing is JsonObject kept && kept["description"] is null && value?["description"] is { } text)
                        {
                            kept["description"] = text.DeepClone();
                        }

                        reused.Add((kind, name));
                    }
                    else
                    {
                        renames[Ref(kind, name)] = Ref(kind, UniqueName(components, own, kind, name, source));
                    }
                }
            }
        }

        // A definition equal to one already merged still differs when it points at something this source renamed.
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (kind, name) in reused.ToList())
            {
                if (References(own[kind]![name]!).Any(renames.ContainsKey))
                {
                    renames[Ref(kind, name)] = Ref(kind, UniqueName(components, own, kind, name, source));
                    reused.Remove((kind, name));
                    changed = true;
                }
            }
        }

        // Reused definitions are dropped from the source (the merged one is identical).
        foreach (var (kind, name) in reused)
        {
            own[kind]!.AsObject().Remove(name);
        }

        return renames;
    }

    /// <summary>Equal apart from descriptions.</summary>
    private static bool SameContract(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(WithoutDescriptions(a), WithoutDescriptions(b));

    private static JsonNode? WithoutDescriptions(JsonNode? node)
    {
        var copy = node?.DeepClone();
        Strip(copy, propertyNames: false);
        return copy;

        // In a map of names (properties, responses...) "description" is a name, not a description.
        static void Strip(JsonNode? n, bool propertyNames)
        {
            switch (n)
            {
                case JsonObject obj:
                    if (!propertyNames)
                    {
                        obj.Remove("description");
                    }

                    foreach (var (key, child) in obj)
                    {
                        Strip(child, propertyNames: !propertyNames && key is "properties" or "patternProperties");
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Strip(child, propertyNames: false);
                    }

                    break;
            }
        }
    }

    private static string UniqueName(JsonObject components, JsonObject own, string kind, string name, string source)
    {
        var suffix = string.Concat(source.Split('-', '_', '.').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        var candidate = name + suffix;
        for (var i = 2; components[kind]?[candidate] is not null || own[kind]?[candidate] is not null; i++)
        {
            candidate = name + suffix + i.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static string Ref(string kind, string name) => $"#/components/{kind}/{name}";

    private static IEnumerable<string> References(JsonNode node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v && v.TryGetValue<string>(out var r) ? [r] : p.Value is null ? [] : References(p.Value)),
        JsonArray array => array.Where(i => i is not null).SelectMany(i => References(i!)),
        _ => [],
    };

    /// <summary>Points every <c>$ref</c> of the source at the new names and moves the renamed definitions there.</summary>
    private static void RewriteReferences(JsonObject document, Dictionary<string, string> renames)
    {
        if (renames.Count == 0)
        {
            return;
        }

        RewriteRefs(document, renames);
        foreach (var (kind, section) in document["components"]?.AsObject().ToList() ?? [])
        {
            if (section is not JsonObject items)
            {
                continue;
            }

            foreach (var (name, _) in items.ToList())
            {
                if (renames.TryGetValue(Ref(kind, name), out var renamed))
                {
                    var value = items[name];
                    items.Remove(name);
                    items[renamed[(renamed.LastIndexOf('/') + 1)..]] = value;
                }
            }
        }
    }

    private static void RewriteRefs(JsonNode? node, Dictionary<string, string> renames)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue v && v.TryGetValue<string>(out var target) && renames.TryGetValue(target, out var renamed))
                    {
                        obj["$ref"] = renamed;
                    }
                    else
                    {
                        RewriteRefs(value, renames);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RewriteRefs(item, renames);
                }

                break;
        }
    }

    private static void AddComponents(JsonObject document, JsonObject components)
    {
        foreach (var (kind, section) in document["components"]?.AsObject() ?? [])
        {
            var target = Section(components, kind);
            foreach (var (name, value) in section?.AsObject() ?? [])
            {
                target.TryAdd(name, value?.DeepClone());
            }
        }
    }

    private static void RenameSecurityRequirements(JsonObject document, Dictionary<string, string> schemeNames)
    {
        foreach (var (_, _, operation) in Operations(document))
        {
            if (operation["security"] is not JsonArray requirements)
            {
                continue;
            }

            foreach (var requirement in requirements.OfType<JsonObject>())
            {
                foreach (var (name, scopes) in requirement.ToList())
                {
                    if (schemeNames.TryGetValue(name, out var renamed) && renamed != name)
                    {
                        requirement.Remove(name);
                        requirement[renamed] = scopes?.DeepClone();
                    }
                }
            }
        }
    }

    private static void MergePaths(string source, JsonObject document, JsonObject paths, HashSet<string> operationIds, List<string> notes)
    {
        foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
        {
            if (item is not JsonObject operations)
            {
                continue;
            }

            if (paths[path] is not JsonObject target)
            {
                target = [];
                paths[path] = target;
            }

            foreach (var (key, value) in operations)
            {
                if (!IsMethod(key))
                {
                    target.TryAdd(key, value?.DeepClone());
                    continue;
                }

                if (target.ContainsKey(key))
                {
                    notes.Add($"`{source}` also describes {key.ToUpperInvariant()} {path}; the first description is kept.");
                    continue;
                }

                var operation = value!.DeepClone().AsObject();
                if ((string?)operation["operationId"] is { } id && !operationIds.Add(id))
                {
                    var unique = id + char.ToUpperInvariant(source[0]) + source[1..];
                    operation["operationId"] = unique;
                    operationIds.Add(unique);
                }

                target[key] = operation;
            }
        }
    }

    /// <summary>OpenAPI 3.1 <c>webhooks</c> (requests the platform makes to partners), by name; the first source's description of a name wins.</summary>
    private static void MergeWebhooks(string source, JsonObject document, JsonObject webhooks, List<string> notes)
    {
        foreach (var (name, item) in document["webhooks"]?.AsObject() ?? [])
        {
            if (webhooks.ContainsKey(name))
            {
                notes.Add($"`{source}` also describes the webhook `{name}`; the first description is kept.");
                continue;
            }

            webhooks[name] = item?.DeepClone();
        }
    }

    private static void MergeTags(JsonObject document, JsonArray tags, HashSet<string> names)
    {
        foreach (var tag in document["tags"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if ((string?)tag["name"] is { } name && names.Add(name))
            {
                tags.Add(tag.DeepClone());
            }
        }
    }

    /// <summary>The gateway limits every API key's rate: each secured operation may answer 429 with <c>Retry-After</c>.</summary>
    private static void AddGatewayResponses(JsonObject paths, JsonObject components)
    {
        var secured = OperationsOf(paths)
            .Where(o => o.Operation["security"] is JsonArray { Count: > 0 })
            .ToList();
        if (secured.Count == 0)
        {
            return;
        }

        var schemas = Section(components, "schemas");
        schemas.TryAdd(ProblemSchema, new JsonObject
        {
            ["type"] = "object",
            ["description"] = "RFC 9457 problem details.",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["title"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["status"] = new JsonObject { ["type"] = new JsonArray("null", "integer"), ["format"] = "int32" },
                ["detail"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["instance"] = new JsonObject { ["type"] = new JsonArray("null", "string") },
                ["traceId"] = new JsonObject { ["type"] = "string" },
            },
        });
        var responses = Section(components, "responses");
        responses["TooManyRequests"] = new JsonObject
        {
            ["description"] = "The API key exceeded its rate limit (checked at the gateway); retry after `Retry-After` seconds.",
            ["headers"] = new JsonObject
            {
                ["Retry-After"] = new JsonObject
                {
                    ["description"] = "Seconds to wait before retrying.",
                    ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                },
            },
            ["content"] = new JsonObject
            {
                ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = Ref("schemas", ProblemSchema) } },
            },
        };
        foreach (var (_, _, operation) in secured)
        {
            if (operation["responses"] is not JsonObject list)
            {
                list = [];
                operation["responses"] = list;
            }

            list.TryAdd("429", new JsonObject { ["$ref"] = Ref("responses", "TooManyRequests") });
        }
    }

    private static JsonObject Section(JsonObject parent, string name)
    {
        if (parent[name] is not JsonObject section)
        {
            section = [];
            parent[name] = section;
        }

        return section;
    }

    private static bool IsMethod(string key) =>
        key is "get" or "put" or "post" or "delete" or "options" or "head" or "patch" or "trace";
}
