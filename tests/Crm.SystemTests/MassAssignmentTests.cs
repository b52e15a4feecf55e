using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Crm.SystemTests;

/// <summary>
/// Mass assignment on every write endpoint, through the gateway, driven by the merged OpenAPI document: each operation
/// with a JSON body gets its own documented request example plus one field it does not declare — an unknown one, and
/// every field of its success answer that its request lacks (read-only: id, createdAt, version, score, ownerId…) —
/// and must answer 400 naming that field; the example padded to one byte over the gateway's body limit must be 413.
/// No refused request may create or change anything (the lists and the resource around the path stay as they were;
/// nothing is kept under its Idempotency-Key). A new endpoint or a new response field is covered without editing this.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MassAssignmentTests(Platform platform, ITestOutputHelper output)
{
    /// <summary>The write operations of today: the document must describe at least these (an empty one must not pass).</summary>
    private static readonly string[] Known =
    [
        "POST /api/leads",
        "POST /api/assignment/reps",
        "PATCH /api/assignment/reps/{id}",
        "POST /api/gateway/keys",
        "POST /api/gateway/keys/{id}/rotate",
    ];

    /// <summary>
    /// Operations whose example names other records by id in its body (a merge names the contacts): no documented example
    /// can name records that exist on every platform, so a 404 after the body was bound and checked is its expected answer.
    /// </summary>
    private static readonly string[] ExamplesNamingRecords = ["POST /api/contacts/merges"];

    private const string UnknownField = "isAdmin";
    private const string IdempotencyHeader = "Idempotency-Key";
    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// The merged document once every service's part is in it: a service whose document did not come within the
    /// gateway's fetch timeout (a busy machine, a service still warming up) is listed as unavailable in
    /// <c>x-crm-sources</c> and fetched again on a later request.
    /// </summary>
    private static Task<JsonNode> CompleteDocumentAsync(HttpClient http) => Poll.ForAsync(
        async () =>
        {
            var json = JsonNode.Parse(await http.GetStringAsync(new Uri("/openapi.json", UriKind.Relative)))!;
            var sources = json["x-crm-sources"]?.AsArray() ?? [];
            return sources.Count > 0 && sources.All(s => (string?)s?["status"] == "ok") ? json : null;
        },
        "the merged OpenAPI document with every service's part (x-crm-sources all ok)",
        TimeSpan.FromSeconds(90));

    [Fact]
    public async Task Every_write_endpoint_refuses_unknown_and_read_only_fields_and_oversized_bodies_and_changes_nothing()
    {
        using var http = new HttpClient { BaseAddress = platform.Gateway };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Platform.ApiKey);
        var api = new Caller(http);
        var document = new ApiDocument(await CompleteDocumentAsync(http));

        var operations = document.WriteOperations();
        Assert.Subset(operations.Select(o => o.Name).ToHashSet(), Known.ToHashSet());
        var withoutExample = operations.Where(o => o.Example is null).Select(o => o.Name).ToList();
        Assert.True(withoutExample.Count == 0, "No request example (WithRequestExample) to build a valid body from: " + string.Join(", ", withoutExample));

        var runs = new Dictionary<string, BaseRun>(StringComparer.Ordinal);
        var accepted = new List<string>();
        var oversizedAccepted = new List<string>();
        var changed = new List<string>();
        var fieldsTried = 0;
        foreach (var operation in operations)
        {
            // The example as it is must be accepted (so a 400 below is the added field's doing); its answer gives the
            // read-only fields real values (the resource's own id, version...).
            var run = await BaseRunAsync(operation, operations, runs, api);
            var fields = new List<(string Name, JsonNode? Value)> { (UnknownField, JsonValue.Create(true)) };
            fields.AddRange(document.ReadOnlyFields(operation).Select(f => (f.Name, document.ValueFor(f.Schema, run.Answer?.Json, f.PathInAnswer))));

            var before = await SettledSnapshotAsync(document, operation, run.Path, api);
            var sent = new List<(string Field, string Body, string? Key)>();
            foreach (var (name, value) in fields)
            {
                fieldsTried++;
                var body = (JsonObject)operation.Example!.DeepClone();
                body[name] = value?.DeepClone();
                var key = operation.IdempotencyKey ? Guid.NewGuid().ToString("N") : null;
                var answer = await api.SendAsync(operation.Method, run.Path, operation.ContentType, Encoding.UTF8.GetBytes(body.ToJsonString()), key);
                var refused = answer.Status == HttpStatusCode.BadRequest && answer.MediaType == ProblemJson && answer.ErrorFields.Contains(name) && answer.Location is null;
                output.WriteLine($"{operation.Name} + {name}: {(int)answer.Status}{(refused ? string.Empty : " " + answer.Text)}");
                if (!refused)
                {
                    accepted.Add($"{operation.Name} + \"{name}\": {value?.ToJsonString()} -> {(int)answer.Status} {Shorten(answer.Text)}");
                }

                sent.Add((name, body.ToJsonString(), key));
            }

            // The valid example, padded with JSON whitespace to one byte over the gateway's limit: only its size is wrong.
            var example = Encoding.UTF8.GetBytes(operation.Example!.ToJsonString());
            var oversized = new byte[Platform.MaxRequestBodyBytes + 1];
            Array.Fill(oversized, (byte)' ');
            example.CopyTo(oversized, 0);
            var oversizedKey = operation.IdempotencyKey ? Guid.NewGuid().ToString("N") : null;
            var tooLarge = await api.SendAsync(operation.Method, run.Path, operation.ContentType, oversized, oversizedKey);
            output.WriteLine($"{operation.Name} with {oversized.Length} bytes: {(int)tooLarge.Status}");
            if (tooLarge.Status != HttpStatusCode.RequestEntityTooLarge || tooLarge.MediaType != ProblemJson)
            {
                oversizedAccepted.Add($"{operation.Name} with a body of {oversized.Length} bytes (limit {Platform.MaxRequestBodyBytes}): {(int)tooLarge.Status} {Shorten(tooLarge.Text)}");
            }

            var after = await SnapshotAsync(document, operation, run.Path, api);
            output.WriteLine($"{operation.Name}: compared before and after: {Shorten(before.ToJsonString())}");
            if (!JsonNode.DeepEquals(before, after))
            {
                changed.Add($"{operation.Name}: refused requests changed what is there:\n  before {before.ToJsonString()}\n  after  {after.ToJsonString()}");
            }

            // A refused request kept nothing under its Idempotency-Key: the same request again is refused again, not replayed.
            foreach (var (field, body, key) in sent.Where(s => s.Key is not null))
            {
                var again = await api.SendAsync(operation.Method, run.Path, operation.ContentType, Encoding.UTF8.GetBytes(body), key);
                if (again.Status != HttpStatusCode.BadRequest || again.Replayed)
                {
                    changed.Add($"{operation.Name} + \"{field}\": repeated with its Idempotency-Key -> {(int)again.Status}{(again.Replayed ? " (replayed)" : string.Empty)}");
                }
            }

            if (oversizedKey is not null)
            {
                var again = await api.SendAsync(operation.Method, run.Path, operation.ContentType, oversized, oversizedKey);
                if (again.Status != HttpStatusCode.RequestEntityTooLarge || again.Replayed)
                {
                    changed.Add($"{operation.Name} with the oversized body: repeated with its Idempotency-Key -> {(int)again.Status}{(again.Replayed ? " (replayed)" : string.Empty)}");
                }
            }
        }

        // Printed for the test's output (the trx, where ./crm test finds it) and the console.
        var line = $"[security] mass assignment: {operations.Count} write endpoints, {fieldsTried} fields tried; accepted: {accepted.Count}; " +
                   $"oversized bodies ({Platform.MaxRequestBodyBytes + 1} bytes): {operations.Count} tried, accepted: {oversizedAccepted.Count}";
        output.WriteLine(line);
        Console.WriteLine(line);
        Assert.True(
            accepted.Count == 0 && oversizedAccepted.Count == 0 && changed.Count == 0,
            $"Fields accepted (expected 400 naming the field): {accepted.Count}\n{string.Join('\n', accepted)}\n" +
            $"Oversized bodies accepted (expected 413): {oversizedAccepted.Count}\n{string.Join('\n', oversizedAccepted)}\n" +
            $"Changed by refused requests: {changed.Count}\n{string.Join('\n', changed)}");
    }

    /// <summary>
    /// Sends <paramref name="operation"/>'s example once (cached): a path parameter is the id of a resource created by
    /// the POST on the collection before it (its own example), or, where there is none, a made-up id (404 is then the
    /// expected answer: the body was bound before the handler looked the resource up).
    /// </summary>
    private static async Task<BaseRun> BaseRunAsync(WriteOperation operation, IReadOnlyList<WriteOperation> all, Dictionary<string, BaseRun> runs, Caller api)
    {
        if (runs.TryGetValue(operation.Name, out var done))
        {
            return done;
        }

        var template = operation.Path.Split('/');
        var concrete = (string[])template.Clone();
        var madeUp = false;
        for (var i = 0; i < template.Length; i++)
        {
            if (!template[i].StartsWith('{'))
            {
                continue;
            }

            var collection = string.Join('/', template[..i]);
            if (all.FirstOrDefault(o => o.Method == "POST" && o.Path == collection) is { } creator)
            {
                var created = await BaseRunAsync(creator, all, runs, api);
                concrete[i] = created.Answer?.Location?.OriginalString.Split('/')[^1]
                              ?? created.Answer?.Json?["id"]?.GetValue<string>()
                              ?? throw new InvalidOperationException($"{creator.Name} answered neither Location nor id, so {operation.Name} has no {template[i]}.");
            }
            else
            {
                concrete[i] = $"mass-{Guid.NewGuid():N}";
                madeUp = true;
            }
        }

        var path = string.Join('/', concrete);
        var answer = await api.SendAsync(
            operation.Method,
            path,
            operation.ContentType,
            Encoding.UTF8.GetBytes(operation.Example!.ToJsonString()),
            operation.IdempotencyKey ? Guid.NewGuid().ToString("N") : null);
        // 422: a business rule refused the example in the resource's present state (a stage move whose exit criteria a
        // new lead does not meet yet): its body was read and validated first, which is all the probes below need.
        var namesRecords = ExamplesNamingRecords.Contains(operation.Name, StringComparer.Ordinal);
        var fine = (int)answer.Status is >= 200 and < 300 || ((madeUp || namesRecords) && answer.Status == HttpStatusCode.NotFound) || answer.Status == HttpStatusCode.UnprocessableEntity;
        Assert.True(fine, $"{operation.Name}: its documented request example was not accepted at {path}: {(int)answer.Status} {answer.Text}");
        var run = new BaseRun(path, fine && (int)answer.Status < 300 ? answer : null);
        runs[operation.Name] = run;
        return run;
    }

    /// <summary>
    /// The snapshot once what earlier accepted requests set off has happened: a lead captured before any rep existed is
    /// assigned (its version moves) as soon as the reps' example creates one. Polled until it stays the same for a second.
    /// </summary>
    private static async Task<JsonObject> SettledSnapshotAsync(ApiDocument document, WriteOperation operation, string path, Caller api)
    {
        var previous = await SnapshotAsync(document, operation, path, api);
        var since = System.Diagnostics.Stopwatch.StartNew();
        return await Poll.ForAsync(
            async () =>
            {
                var current = await SnapshotAsync(document, operation, path, api);
                if (!JsonNode.DeepEquals(previous, current))
                {
                    (previous, since) = (current, System.Diagnostics.Stopwatch.StartNew());
                    return null;
                }

                return since.Elapsed >= TimeSpan.FromSeconds(1) ? current : null;
            },
            $"{operation.Name}: what it could touch to settle");
    }

    /// <summary>
    /// What a write could touch: every GET the document has on the operation's path or a prefix of it (the resource
    /// and the collections above it). A list is its item ids (every page); a resource its ETag, version and the
    /// fields the request can set (not the counters that move by themselves, e.g. a rep's open leads).
    /// </summary>
    private static async Task<JsonObject> SnapshotAsync(ApiDocument document, WriteOperation operation, string path, Caller api)
    {
        var snapshot = new JsonObject();
        var template = operation.Path.Split('/');
        var concrete = path.Split('/');
        var requestFields = document.Properties(operation.RequestSchema).Select(p => p.Name).Append("version").ToHashSet(StringComparer.Ordinal);
        foreach (var get in document.Gets())
        {
            var segments = get.Path.Split('/');
            if (segments.Length > template.Length || !segments.AsSpan().SequenceEqual(template.AsSpan(0, segments.Length)))
            {
                continue;
            }

            var at = string.Join('/', concrete[..segments.Length]);
            var first = await api.GetAsync(at + (get.Paged ? "?limit=500" : string.Empty));
            if (first.Json?["items"] is JsonArray)
            {
                var ids = new JsonArray();
                var page = first;
                while (true)
                {
                    foreach (var item in page.Json!["items"]!.AsArray())
                    {
                        ids.Add(item?["id"]?.DeepClone() ?? item?.DeepClone());
                    }

                    if (page.Json["nextCursor"]?.GetValue<string>() is not { } cursor)
                    {
                        break;
                    }

                    page = await api.GetAsync($"{at}?limit=500&cursor={Uri.EscapeDataString(cursor)}");
                }

                snapshot[at] = ids;
            }
            else
            {
                var state = new JsonObject { ["status"] = (int)first.Status, ["etag"] = first.ETag };
                foreach (var (name, value) in first.Json as JsonObject ?? new JsonObject())
                {
                    if (requestFields.Contains(name))
                    {
                        state[name] = value?.DeepClone();
                    }
                }

                snapshot[at] = state;
            }
        }

        return snapshot;
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";

    private sealed record BaseRun(string Path, Answer? Answer);

    private sealed record WriteOperation(string Method, string Path, string ContentType, JsonNode RequestSchema, JsonNode? AnswerSchema, JsonObject? Example, bool IdempotencyKey)
    {
        public string Name => $"{Method} {Path}";
    }

    private sealed record ReadOperation(string Path, bool Paged);

    private sealed record Answer(HttpStatusCode Status, string? MediaType, Uri? Location, string? ETag, bool Replayed, string Text)
    {
        public JsonNode? Json { get; } = Parse(Text);

        public HashSet<string> ErrorFields { get; } = Parse(Text)?["errors"] is JsonObject errors
            ? errors.Select(e => e.Key).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();

        private static JsonNode? Parse(string text)
        {
            try
            {
                return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    private sealed class Caller(HttpClient http)
    {
        public async Task<Answer> SendAsync(string method, string path, string contentType, byte[] body, string? idempotencyKey)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
            if (idempotencyKey is not null)
            {
                request.Headers.Add(IdempotencyHeader, idempotencyKey);
            }

            using var response = await http.SendAsync(request);
            return await AnswerAsync(response);
        }

        public async Task<Answer> GetAsync(string path)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return await AnswerAsync(response);
        }

        private static async Task<Answer> AnswerAsync(HttpResponseMessage response) => new(
            response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Headers.Location,
            response.Headers.ETag?.Tag,
            response.Headers.Contains("Idempotent-Replayed"),
            await response.Content.ReadAsStringAsync());
    }

    /// <summary>The parts of the merged OpenAPI 3.1 document this test reads (schemas through <c>$ref</c>, <c>oneOf</c>, <c>allOf</c>).</summary>
    private sealed class ApiDocument(JsonNode root)
    {
        public List<WriteOperation> WriteOperations()
        {
            var operations = new List<WriteOperation>();
            foreach (var (path, item) in root["paths"]!.AsObject())
            {
                foreach (var (method, operation) in item!.AsObject())
                {
                    if (method is not ("post" or "put" or "patch") || operation?["requestBody"]?["content"] is not JsonObject content)
                    {
                        continue;
                    }

                    if (operation["security"] is JsonArray { Count: 0 })
                    {
                        // A provider's signed webhook: refused (401) before its body is read unless signed with the provider's secret.
                        continue;
                    }

                    var (contentType, media) = content.FirstOrDefault(c => c.Key == "application/json" || c.Key.EndsWith("+json", StringComparison.Ordinal));
                    if (media is null)
                    {
                        continue;
                    }

                    var example = media["example"] as JsonObject ?? media["examples"]?.AsObject().Select(e => e.Value?["value"]).OfType<JsonObject>().FirstOrDefault();
                    var answer = operation["responses"]?.AsObject()
                        .Where(r => r.Key.StartsWith('2'))
                        .Select(r => r.Value?["content"]?["application/json"]?["schema"])
                        .FirstOrDefault(s => s is not null);
                    var idempotent = operation["parameters"]?.AsArray().Any(p => p?["in"]?.GetValue<string>() == "header" && p["name"]?.GetValue<string>() == IdempotencyHeader) == true;
                    operations.Add(new WriteOperation(method.ToUpperInvariant(), path, contentType, media["schema"]!, answer, example, idempotent));
                }
            }

            return operations;
        }

        public IEnumerable<ReadOperation> Gets() =>
            from path in root["paths"]!.AsObject()
            where path.Value?["get"] is not null
            let parameters = path.Value!["get"]!["parameters"]?.AsArray() ?? []
            select new ReadOperation(path.Key, parameters.Any(p => p?["in"]?.GetValue<string>() == "query" && p["name"]?.GetValue<string>() == "limit"));

        /// <summary>Every field of the success answer (also inside the objects it wraps, e.g. a created key's <c>apiKey</c>) that the request does not declare.</summary>
        public List<(string Name, JsonNode Schema, string[] PathInAnswer)> ReadOnlyFields(WriteOperation operation)
        {
            var declared = Properties(operation.RequestSchema).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var fields = new List<(string Name, JsonNode Schema, string[] PathInAnswer)>();
            void Walk(JsonNode schema, string[] at)
            {
                foreach (var (name, property) in Properties(schema))
                {
                    if (!declared.Contains(name) && fields.All(f => f.Name != name))
                    {
                        fields.Add((name, property, [.. at, name]));
                    }

                    if (at.Length < 3 && Properties(property).Any())
                    {
                        Walk(property, [.. at, name]);
                    }
                }
            }

            if (operation.AnswerSchema is { } answer)
            {
                Walk(answer, []);
            }

            return fields;
        }

        /// <summary>The value the answer had at that place; where it had none (null, e.g. an owner not yet assigned), one of the schema's type.</summary>
        public JsonNode? ValueFor(JsonNode schema, JsonNode? answer, string[] path)
        {
            var node = answer;
            foreach (var name in path)
            {
                node = node is JsonObject o ? o[name] : null;
            }

            return node?.DeepClone() ?? Sample(schema);
        }

        public IEnumerable<(string Name, JsonNode Schema)> Properties(JsonNode schema)
        {
            var resolved = Resolve(schema);
            if (resolved["properties"] is JsonObject properties)
            {
                foreach (var (name, property) in properties)
                {
                    yield return (name, property!);
                }
            }

            foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
            {
                foreach (var part in resolved[combinator] as JsonArray ?? [])
                {
                    foreach (var property in Properties(part!))
                    {
                        yield return property;
                    }
                }
            }
        }

        private JsonNode? Sample(JsonNode schema)
        {
            var resolved = Resolve(schema);
            if (resolved["enum"] is JsonArray values && values.FirstOrDefault(v => v is not null) is { } first)
            {
                return first.DeepClone();
            }

            foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
            {
                if ((resolved[combinator] as JsonArray)?.Select(p => Resolve(p!)).FirstOrDefault(p => TypeOf(p) != "null") is { } part)
                {
                    return Sample(part);
                }
            }

            return TypeOf(resolved) switch
            {
                "string" when resolved["format"]?.GetValue<string>() == "date-time" => JsonValue.Create("2026-01-01T00:00:00.000Z"),
                "integer" => JsonValue.Create(7),
                "number" => JsonValue.Create(7.5),
                "boolean" => JsonValue.Create(true),
                "array" => new JsonArray(),
                "object" => new JsonObject(),
                _ => JsonValue.Create("mass-assignment"),
            };
        }

        private static string? TypeOf(JsonNode schema) => schema["type"] switch
        {
            JsonArray types => types.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t != "null") ?? "null",
            JsonValue type => type.GetValue<string>(),
            _ => null,
        };

        private JsonNode Resolve(JsonNode schema)
        {
            for (var hops = 0; schema["$ref"]?.GetValue<string>() is { } reference; hops++)
            {
                if (hops > 20 || !reference.StartsWith("#/", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Cannot resolve {reference}.");
                }

                var target = root;
                foreach (var segment in reference[2..].Split('/'))
                {
                    target = target[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                             ?? throw new InvalidOperationException($"{reference} is not in the document.");
                }

                schema = target;
            }

            return schema;
        }
    }
}
