using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Client;
using Crm.Gateway.OpenApi;
using Refit;
using Xunit.Abstractions;

namespace Crm.OpenApi.Tests;

/// <summary>
/// <see cref="ICrmApi"/> and the merged document describe the same API: every operation of the document has a client
/// method (method and path template), every client method is an operation, and the headers that make writes safe
/// (<c>Idempotency-Key</c>, <c>If-Match</c>) are parameters of the client methods of the operations that take them.
/// </summary>
[Collection(PlatformDocumentCollection.Name)]
public sealed partial class ClientCoverageTests(PlatformDocument platform, ITestOutputHelper output)
{
    /// <summary>Client paths that start with this serve every service that maps the route (dead letters).</summary>
    private const string AnyService = "/api/{service}/";

    private static readonly string[] SafetyHeaders = ["Idempotency-Key", "If-Match"];

    [Fact]
    public void Every_operation_of_the_document_is_a_method_of_the_client_and_every_method_an_operation()
    {
        // Providers' signed webhooks (security: []) are called by SMS / WhatsApp / bounce systems, never by the client.
        var operations = OpenApiMerge.Operations(platform.Merged)
            .Where(o => o.Operation["security"] is not JsonArray { Count: 0 })
            .Select(o => Key(o.Method, o.Path))
            .ToHashSet(StringComparer.Ordinal);
        var methods = ClientMethods().ToList();
        output.WriteLine($"{operations.Count} operations in the document, {methods.Count} client methods");

        var covered = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, method, path, _, _) in methods)
        {
            var matches = operations.Where(op => Matches(Key(method, path), op)).ToList();
            if (matches.Count == 0)
            {
                problems.Add($"ICrmApi.{name} ({method} {path}) is not an operation of the document");
            }

            covered.UnionWith(matches);
        }

        problems.AddRange(operations.Except(covered).Order(StringComparer.Ordinal).Select(op => $"{op} has no ICrmApi method"));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_operation_that_takes_an_idempotency_key_or_if_match_has_it_on_its_client_methods()
    {
        var methods = ClientMethods().ToList();
        var problems = new List<string>();
        var checkedHeaders = 0;
        foreach (var (method, path, operation) in OpenApiMerge.Operations(platform.Merged))
        {
            var headers = (operation["parameters"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Where(p => (string?)p["in"] == "header" && SafetyHeaders.Contains((string?)p["name"], StringComparer.OrdinalIgnoreCase))
                .Select(p => (string)p["name"]!)
                .ToList();
            foreach (var header in headers)
            {
                checkedHeaders++;
                foreach (var client in methods.Where(m => Matches(Key(m.Method, m.Path), Key(method, path))))
                {
                    if (!client.Headers.Contains(header, StringComparer.OrdinalIgnoreCase))
                    {
                        problems.Add($"{method} {path} takes {header}, ICrmApi.{client.Name} cannot send it");
                    }
                }
            }
        }

        output.WriteLine($"{checkedHeaders} Idempotency-Key / If-Match parameters in the document");
        Assert.True(checkedHeaders >= 10, $"only {checkedHeaders} Idempotency-Key / If-Match parameters were found");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task The_client_adds_an_idempotency_key_to_exactly_the_posts_whose_operation_takes_one()
    {
        using var transport = new RecordingHandler();
        var api = CrmClient.Create(new CrmClientOptions { BaseAddress = new Uri("http://crm.test/"), ApiKey = "test-key", Retry = new CrmRetryOptions { MaxAttempts = 1 } }, transport);
        var methods = ClientMethods().ToList();
        var problems = new List<string>();
        var withKey = 0;
        foreach (var (method, path, operation) in OpenApiMerge.Operations(platform.Merged).Where(o => o.Method == "POST"))
        {
            var takesKey = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>()
                .Any(p => (string?)p["in"] == "header" && string.Equals((string?)p["name"], "Idempotency-Key", StringComparison.OrdinalIgnoreCase));
            withKey += takesKey ? 1 : 0;
            foreach (var client in methods.Where(m => Matches(Key(m.Method, m.Path), Key(method, path))))
            {
                // The caller passes no key: the client's own handler decides.
                var info = typeof(ICrmApi).GetMethod(client.Name, [.. client.Parameters.Select(p => p.ParameterType)])!;
                await (Task)info.Invoke(api, [.. client.Parameters.Select(ArgumentFor)])!;
                var sent = transport.Requests[^1];
                if (sent.Headers.Contains("Idempotency-Key") != takesKey)
                {
                    problems.Add($"ICrmApi.{client.Name} ({method} {sent.RequestUri!.AbsolutePath}) {(takesKey ? "sent no" : "sent an")} Idempotency-Key, the operation {(takesKey ? "takes" : "does not take")} one");
                }
            }
        }

        output.WriteLine($"{withKey} POST operations take an Idempotency-Key, {transport.Requests.Count} POSTs sent");
        Assert.True(withKey >= 3, $"only {withKey} POST operations take an Idempotency-Key");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>A value for each parameter of a client method: path and query values, empty bodies, no headers.</summary>
    private static object? ArgumentFor(ParameterInfo parameter) => parameter switch
    {
        _ when parameter.GetCustomAttribute<HeaderAttribute>() is not null => null,
        { ParameterType: var type } when type == typeof(string) => "x1",
        { ParameterType: var type } when type == typeof(CancellationToken) => CancellationToken.None,
        { ParameterType: var type } when type == typeof(HttpContent) => new StringContent("email\n"),
        { ParameterType: var type } when type.IsValueType => Activator.CreateInstance(type),
        { ParameterType: var type } when type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null => Activator.CreateInstance(type),
        _ => null,
    };

    /// <summary>Each Refit method of <see cref="ICrmApi"/>: its name, HTTP method, path template and the headers it can send.</summary>
    private static IEnumerable<(string Name, string Method, string Path, IReadOnlyList<string> Headers, ParameterInfo[] Parameters)> ClientMethods()
    {
        foreach (var method in typeof(ICrmApi).GetMethods())
        {
            var http = method.GetCustomAttribute<HttpMethodAttribute>()
                ?? throw new InvalidOperationException($"ICrmApi.{method.Name} has no Refit HTTP attribute");
            var headers = method.GetParameters()
                .Select(p => p.GetCustomAttribute<HeaderAttribute>()?.Header)
                .OfType<string>()
                .ToList();
            yield return (method.Name, http.Method.Method, http.Path.Split('?')[0], headers, method.GetParameters());
        }
    }

    /// <summary>Method and path with every parameter reduced to <c>{}</c> (names may differ), without a trailing slash.</summary>
    private static string Key(string method, string path)
    {
        var normal = Parameter().Replace(path, "{}").TrimEnd('/');
        return $"{method.ToUpperInvariant()} {(normal.Length == 0 ? "/" : normal)}";
    }

    /// <summary>Whether a client key matches an operation's: equal, or equal for some service when it starts with <see cref="AnyService"/>.</summary>
    private static bool Matches(string client, string operation)
    {
        var anyService = AnyService.Replace("{service}", "{}", StringComparison.Ordinal);
        var at = client.IndexOf(' ', StringComparison.Ordinal) + 1;
        if (string.CompareOrdinal(client, at, anyService, 0, anyService.Length) != 0)
        {
            return string.Equals(client, operation, StringComparison.Ordinal);
        }

        // "GET /api/{}/admin/..." matches "GET /api/leads/admin/..." (one literal segment for the service).
        var prefix = client[..at] + "/api/";
        var rest = client[(at + anyService.Length)..];
        if (!operation.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var afterService = operation.IndexOf('/', prefix.Length);
        return afterService > prefix.Length
            && operation[prefix.Length] != '{'
            && string.Equals(operation[(afterService + 1)..], rest, StringComparison.Ordinal);
    }

    /// <summary>Answers every request <c>200 {}</c> and keeps it (headers as sent, after the client's handlers).</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") });
        }
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
