using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Client.Http;
using Refit;

namespace Crm.Client;

/// <summary>
/// Creates <see cref="ICrmApi"/> clients with the platform's JSON conventions (camelCase, lower-case enums) and the
/// client's handler pipeline: <c>Idempotency-Key</c> for captures → retries (429/503 after <c>Retry-After</c>,
/// connection failures of repeatable requests) → <c>Authorization: Bearer</c> on every attempt.
/// </summary>
/// <remarks>
/// A client from <see cref="Create(CrmClientOptions, HttpMessageHandler?)"/> owns one <see cref="HttpClient"/>
/// (pooled connections renewed every 2 minutes): create it once and reuse it. In an application with dependency
/// injection, use <see cref="CrmClientRegistration.AddCrmClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{CrmClientOptions})"/>.
/// </remarks>
public static class CrmClient
{
    /// <summary>The JSON options of the public API (web defaults, enums as lower-case strings). Useful to read raw responses.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    /// <summary>Refit settings with <see cref="JsonOptions"/>, for building an <see cref="ICrmApi"/> over your own <see cref="HttpClient"/>.</summary>
    public static RefitSettings Settings { get; } = new()
    {
        ContentSerializer = new SystemTextJsonContentSerializer(JsonOptions),
    };

    /// <summary>A client for the gateway at <paramref name="baseAddress"/> authenticating with <paramref name="apiKey"/> and the default retries.</summary>
    /// <param name="baseAddress">The gateway, e.g. <c>https://crm.example.com/</c>.</param>
    /// <param name="apiKey">The API key; null sends no credentials (e.g. to check a 401).</param>
    /// <param name="handler">The innermost handler (transport); default a pooled <see cref="SocketsHttpHandler"/>. It is not disposed by the client.</param>
    public static ICrmApi Create(Uri baseAddress, string? apiKey, HttpMessageHandler? handler = null) =>
        Create(new CrmClientOptions { BaseAddress = baseAddress, ApiKey = apiKey }, handler);

    /// <summary>A client configured by <paramref name="options"/>.</summary>
    /// <param name="options">Base address, credential and retries; validated here.</param>
    /// <param name="handler">The innermost handler (transport); default a pooled <see cref="SocketsHttpHandler"/>. It is not disposed by the client.</param>
    /// <exception cref="InvalidOperationException">The options are incomplete or contradictory (see <see cref="CrmClientOptions.Validate"/>).</exception>
    public static ICrmApi Create(CrmClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var transport = handler is null
            ? (HttpMessageHandler)new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }
            : new NonDisposingHandler(handler);
        var http = new HttpClient(Pipeline(options, transport), disposeHandler: true) { BaseAddress = options.BaseAddress };
        return RestService.ForGenerated<ICrmApi>(http, Settings);
    }

    /// <summary>The client's handlers, outermost first, over <paramref name="transport"/>.</summary>
    internal static DelegatingHandler Pipeline(CrmClientOptions options, HttpMessageHandler transport) =>
        new IdempotencyKeyHandler
        {
            InnerHandler = new RetryHandler(options.Retry, options.TimeProvider)
            {
                InnerHandler = new BearerTokenHandler(options.Credential()) { InnerHandler = transport },
            },
        };

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }

    /// <summary>Keeps a caller's handler alive when the client's pipeline is disposed.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invoker.SendAsync(request, cancellationToken);
    }
}
