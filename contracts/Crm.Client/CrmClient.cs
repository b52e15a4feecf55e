using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace Crm.Client;

/// <summary>Creates <see cref="ICrmApi"/> clients with the platform's JSON conventions (camelCase, lower-case enums).</summary>
public static class CrmClient
{
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    public static RefitSettings Settings { get; } = new()
    {
        ContentSerializer = new SystemTextJsonContentSerializer(JsonOptions),
    };

    /// <summary>A client for the gateway at <paramref name="baseAddress"/> authenticating with <paramref name="apiKey"/> (may be null for tests of 401).</summary>
    public static ICrmApi Create(Uri baseAddress, string? apiKey, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseAddress;
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return RestService.For<ICrmApi>(http, Settings);
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
